export { measureMigration, type MigrationCase, type MigrationMeasurement, type Health } from "./measure.js";
export { runCampaign, measurementColumns, type Campaign } from "./campaign.js";
