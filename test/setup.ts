// The project develops and tests on Node 22, Lambda's runtime: the `node` devDependency puts
// a Node 22 binary first on the PATH of every npm script. Run outside npm on an older Node,
// the tests would pass or fail for the wrong reasons, so they stop at once and say why.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `tests need Node 22 or later and run on ${process.version}: start them through npm ` +
      '(`npm test`, `npm run test:unit`, ...), which runs the Node 22 of the `node` devDependency',
  );
  process.exit(1);
}
