/**
 * The Terraform stack that hosts one FiggyEvents: provider, state backend, the construct.
 */
import { join, relative, resolve } from 'node:path';
import type { Construct } from 'constructs';
import { App, AwsProvider, LocalBackend, S3Backend, TerraformStack } from './framework.ts';
import { packageRoot } from './function-bundles.ts';
import { FiggyEvents } from './figgy-events.ts';
import type { FiggyEventsProps } from './types.ts';

/** Terraform state in S3, as CI deploys it. */
export interface S3StateBackend {
  readonly bucket: string;
  /** Object key of this stack's state; give each stack (region) its own. */
  readonly key: string;
  /** Region of the state bucket. */
  readonly region: string;
  /** DynamoDB table for state locking; omitted, Terraform's S3 lock file is used. */
  readonly lockTable?: string;
}

/**
 * Props of {@link FiggyEventsStack}: the construct's props plus where state lives.
 *
 * @example
 * new FiggyEventsStack(app, 'figgy-events-eu-west-1', {
 *   region: 'eu-west-1',
 *   accountId: '123456789012',
 *   destinationPrefixes: ['/app/'],
 *   backend: {
 *     bucket: 'acme-terraform-state',
 *     key: 'figgy-events/figgy-events-eu-west-1.tfstate',
 *     region: 'eu-west-1',
 *   },
 * });
 */
export interface FiggyEventsStackProps extends FiggyEventsProps {
  /** Remote state; omitted, state is a local file `terraform.<stack id>.tfstate` in the project root. */
  readonly backend?: S3StateBackend;
  /** Tags on every resource, besides the ones the stack sets itself. */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * One region's deployment: an AWS provider pinned to the region (and to the account, when
 * it is given, so credentials for another account fail before any change), a state
 * backend, and the {@link FiggyEvents} construct.
 *
 * @example
 * const app = new App();
 * new FiggyEventsStack(app, 'figgy-events-eu-west-1', {
 *   region: 'eu-west-1',
 *   destinationPrefixes: ['/app/'],
 * });
 * app.synth();
 */
export class FiggyEventsStack extends TerraformStack {
  readonly figgy: FiggyEvents;

  constructor(scope: Construct, id: string, props: FiggyEventsStackProps) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: props.region,
      allowedAccountIds: props.accountId ? [props.accountId] : undefined,
      defaultTags: [
        {
          tags: {
            application: 'figgy-events',
            'figgy-events:stack': id,
            ...props.tags,
          },
        },
      ],
    });

    if (props.backend) {
      const backend = new S3Backend(this, {
        bucket: props.backend.bucket,
        key: props.backend.key,
        region: props.backend.region,
        encrypt: true,
        dynamodbTable: props.backend.lockTable,
      });
      // cdktf 0.21 has no field for it; Terraform 1.10+ locks with a lock object in S3.
      if (!props.backend.lockTable) backend.addOverride('use_lockfile', true);
    } else {
      // Relative to the stack's synth folder, where Terraform runs, so the state file sits in
      // the project root (outside cdktf.out, which is disposable) and the synthesized JSON
      // holds no machine-specific path. The root, not the working directory: a synth started
      // from another folder must find the same state, or Terraform would plan to create
      // everything again.
      const stackDir = resolve(App.of(this).outdir, 'stacks', id);
      const path = relative(stackDir, join(packageRoot(), `terraform.${id}.tfstate`));
      new LocalBackend(this, { path });
    }

    // The stack's own props are its own: the construct refuses names it does not know.
    const stackOnly = new Set<string>(['backend', 'tags'] satisfies (keyof FiggyEventsStackProps)[]);
    const figgyProps = Object.fromEntries(Object.entries(props).filter(([key]) => !stackOnly.has(key))) as FiggyEventsProps;
    this.figgy = new FiggyEvents(this, 'figgy', figgyProps);
  }
}
