/**
 * A Parameter Store held in memory, for benchmarks that measure DynamoDB alone: SSM's cost
 * is the same on both sides of those comparisons, and its calls are counted instead.
 */
import { GET_PARAMETERS_BATCH_SIZE } from '../../shared/aws/ssm-parameters.ts';
import type { ParameterStore, ParameterValue, ParameterWrite } from '../../shared/parameters.ts';

export class MemoryParameterStore implements ParameterStore {
  getParametersCalls = 0;
  writes = 0;
  private readonly values = new Map<string, ParameterValue>();

  put(name: string, value: string): void {
    const version = (this.values.get(name)?.version ?? 0) + 1;
    this.values.set(name, { name, value, type: 'String', version });
  }

  async readVersion(name: string): Promise<ParameterValue | undefined> {
    return this.values.get(name);
  }

  async readLatest(name: string): Promise<ParameterValue | undefined> {
    return this.values.get(name);
  }

  async readDecrypted(names: readonly string[]): Promise<Map<string, ParameterValue>> {
    const unique = [...new Set(names)];
    // GetParameters takes ten names a call.
    this.getParametersCalls += Math.ceil(unique.length / GET_PARAMETERS_BATCH_SIZE);
    const found = new Map<string, ParameterValue>();
    for (const name of unique) {
      const value = this.values.get(name);
      if (value) found.set(name, value);
    }
    return found;
  }

  async write(parameter: ParameterWrite): Promise<number> {
    this.writes++;
    const version = (this.values.get(parameter.name)?.version ?? 0) + 1;
    this.values.set(parameter.name, { name: parameter.name, type: parameter.type, value: parameter.value, version });
    return version;
  }

  async existing(names: readonly string[]): Promise<Set<string>> {
    return new Set(names.filter((name) => this.values.has(name)));
  }

  async *listNames(): AsyncIterable<string> {
    yield* this.values.keys();
  }
}
