import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'flavours/*/dist/', 'cdktf.out/', '.tmp/', '.terraform/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // An import cycle makes a module's meaning depend on which side loads first: none may return.
    plugins: { 'import-x': importX },
    settings: { 'import-x/extensions': ['.ts', '.js'], 'import-x/resolver-next': [createNodeResolver()] },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    // The CDK Terrain flavour is compiled with stacks/framework.ts alone importing cdktn: a
    // framework import anywhere else in the construct, or in the domain it uses, would be
    // type-checked against cdktf (the flavour's build refuses it too).
    files: ['stacks/**', 'shared/**'],
    ignores: ['stacks/framework.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(cdktf|@cdktf/.*)$',
              message:
                'Import cdktf and @cdktf/provider-aws names from ./framework.ts (re-export them there): ' +
                'it is the one module the cdktn flavour swaps for its own framework.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**', 'bench/**', 'local/**', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // chai assertions such as `expect(x).to.be.true` are property reads by design.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
