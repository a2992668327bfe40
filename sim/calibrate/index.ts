export { parseMeasurements, caseMedians, MeasurementsError, type MeasuredMigration } from "./measurements.js";
export { calibrateMigration, migrationFragment, predict, errors, loss, tolerance, type MigrationFit } from "./migration.js";
export { migrationQemuFigure } from "./figure.js";
