export { migrate, migrationSchema, type MigrationSpec, type MigrationReport } from "./precopy.js";
