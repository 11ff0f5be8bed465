import { MigrationInterface, QueryRunner } from "typeorm";

export class ClinicalRecords1795616219090 implements MigrationInterface {
    name = 'ClinicalRecords1795616219090'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "adverse_events" ("version" integer NOT NULL DEFAULT (1), "corrected_at" datetime, "voided_at" datetime, "void_reason" text, "id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36), "participant_id" varchar(36) NOT NULL, "site_id" varchar(36) NOT NULL, "term" varchar(300) NOT NULL, "coded_term" varchar(300), "dictionary_version" varchar(64), "onset_at" datetime NOT NULL, "end_at" datetime, "aware_at" datetime NOT NULL, "ctcae_grade" integer, "ctcae_version" varchar(16), "sae_death" boolean NOT NULL DEFAULT (0), "sae_life_threatening" boolean NOT NULL DEFAULT (0), "sae_hospitalization" boolean NOT NULL DEFAULT (0), "sae_disability" boolean NOT NULL DEFAULT (0), "sae_congenital_anomaly" boolean NOT NULL DEFAULT (0), "sae_medically_important" boolean NOT NULL DEFAULT (0), "relatedness" varchar(32) NOT NULL, "expected" boolean, "action_taken" varchar(64), "outcome" varchar(64), "positive" boolean NOT NULL DEFAULT (0), "minutes_after_dose" integer, "report_due_at" datetime, "reported_at" datetime, "confirmed_by" varchar(36), "confirmed_at" datetime, "confirmation_signature_id" varchar(36), "recorded_by" varchar(36) NOT NULL, "recorded_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_adverse_events_due" ON "adverse_events" ("report_due_at") `);
        await queryRunner.query(`CREATE INDEX "ix_adverse_events_participant" ON "adverse_events" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "assessments" ("version" integer NOT NULL DEFAULT (1), "corrected_at" datetime, "voided_at" datetime, "void_reason" text, "id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36) NOT NULL, "participant_id" varchar(36) NOT NULL, "instrument" varchar(32) NOT NULL, "result" text NOT NULL, "taken_at" datetime NOT NULL, "recorded_by" varchar(36) NOT NULL, "recorded_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_assessments_session" ON "assessments" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "checklists" ("id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36) NOT NULL, "key" varchar(32) NOT NULL, "title" varchar(200) NOT NULL, "version" integer NOT NULL, "status" varchar(16) NOT NULL, "amendment_reason" text, "created_at" datetime NOT NULL, "signed_at" datetime, "row_version" integer NOT NULL DEFAULT (1))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_checklists_session_key_version" ON "checklists" ("session_id", "key", "version") `);
        await queryRunner.query(`CREATE TABLE "checklist_items" ("id" varchar PRIMARY KEY NOT NULL, "checklist_id" varchar(36) NOT NULL, "position" integer NOT NULL, "key" varchar(64) NOT NULL, "label" varchar(300) NOT NULL, "required" boolean NOT NULL, "applies_to" varchar(32) NOT NULL, "value_kind" varchar(32) NOT NULL, "status" varchar(16) NOT NULL, "value" text, "comment" text, "recorded_by" varchar(36), "recorded_at" datetime)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_checklist_items_key" ON "checklist_items" ("checklist_id", "key") `);
        await queryRunner.query(`CREATE TABLE "doses" ("version" integer NOT NULL DEFAULT (1), "corrected_at" datetime, "voided_at" datetime, "void_reason" text, "id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36) NOT NULL, "participant_id" varchar(36) NOT NULL, "substance" varchar(64) NOT NULL, "amount_mg" double precision NOT NULL, "route" varchar(32) NOT NULL, "lot" varchar(64) NOT NULL, "kit_number" varchar(64), "administered_at" datetime NOT NULL, "kind" varchar(16) NOT NULL, "device_seq" integer, "administered_by" varchar(36) NOT NULL, "witnessed_by" varchar(36) NOT NULL, "recorded_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_doses_session" ON "doses" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "medications" ("version" integer NOT NULL DEFAULT (1), "corrected_at" datetime, "voided_at" datetime, "void_reason" text, "id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36), "participant_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "drug_class" varchar(64), "dose_text" varchar(200) NOT NULL, "route" varchar(32) NOT NULL, "given_at" datetime NOT NULL, "ended_at" datetime, "indication" varchar(300) NOT NULL, "category" varchar(16) NOT NULL, "adverse_event_id" varchar(36), "recorded_by" varchar(36) NOT NULL, "recorded_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_medications_participant" ON "medications" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "staff_presence" ("id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36) NOT NULL, "user_id" varchar(36) NOT NULL, "role" varchar(16) NOT NULL, "present_from" datetime NOT NULL, "present_until" datetime, "recorded_by" varchar(36) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_staff_session" ON "staff_presence" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "observations" ("version" integer NOT NULL DEFAULT (1), "corrected_at" datetime, "voided_at" datetime, "void_reason" text, "id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36) NOT NULL, "participant_id" varchar(36) NOT NULL, "code" varchar(16) NOT NULL, "loinc" varchar(16) NOT NULL, "value" double precision NOT NULL, "unit" varchar(16) NOT NULL, "taken_at" datetime NOT NULL, "received_at" datetime NOT NULL, "device_time" datetime, "source" varchar(8) NOT NULL, "device_id" varchar(36), "quality" text, "reading_id" varchar(36), "entered_by" varchar(36))`);
        await queryRunner.query(`CREATE INDEX "ix_observations_session_code_time" ON "observations" ("session_id", "code", "taken_at") `);
        await queryRunner.query(`DROP INDEX "uq_checklist_items_key"`);
        await queryRunner.query(`CREATE TABLE "temporary_checklist_items" ("id" varchar PRIMARY KEY NOT NULL, "checklist_id" varchar(36) NOT NULL, "position" integer NOT NULL, "key" varchar(64) NOT NULL, "label" varchar(300) NOT NULL, "required" boolean NOT NULL, "applies_to" varchar(32) NOT NULL, "value_kind" varchar(32) NOT NULL, "status" varchar(16) NOT NULL, "value" text, "comment" text, "recorded_by" varchar(36), "recorded_at" datetime, CONSTRAINT "FK_d98db409c26c6ed1a6d20c1bb0c" FOREIGN KEY ("checklist_id") REFERENCES "checklists" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
        await queryRunner.query(`INSERT INTO "temporary_checklist_items"("id", "checklist_id", "position", "key", "label", "required", "applies_to", "value_kind", "status", "value", "comment", "recorded_by", "recorded_at") SELECT "id", "checklist_id", "position", "key", "label", "required", "applies_to", "value_kind", "status", "value", "comment", "recorded_by", "recorded_at" FROM "checklist_items"`);
        await queryRunner.query(`DROP TABLE "checklist_items"`);
        await queryRunner.query(`ALTER TABLE "temporary_checklist_items" RENAME TO "checklist_items"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_checklist_items_key" ON "checklist_items" ("checklist_id", "key") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "uq_checklist_items_key"`);
        await queryRunner.query(`ALTER TABLE "checklist_items" RENAME TO "temporary_checklist_items"`);
        await queryRunner.query(`CREATE TABLE "checklist_items" ("id" varchar PRIMARY KEY NOT NULL, "checklist_id" varchar(36) NOT NULL, "position" integer NOT NULL, "key" varchar(64) NOT NULL, "label" varchar(300) NOT NULL, "required" boolean NOT NULL, "applies_to" varchar(32) NOT NULL, "value_kind" varchar(32) NOT NULL, "status" varchar(16) NOT NULL, "value" text, "comment" text, "recorded_by" varchar(36), "recorded_at" datetime)`);
        await queryRunner.query(`INSERT INTO "checklist_items"("id", "checklist_id", "position", "key", "label", "required", "applies_to", "value_kind", "status", "value", "comment", "recorded_by", "recorded_at") SELECT "id", "checklist_id", "position", "key", "label", "required", "applies_to", "value_kind", "status", "value", "comment", "recorded_by", "recorded_at" FROM "temporary_checklist_items"`);
        await queryRunner.query(`DROP TABLE "temporary_checklist_items"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_checklist_items_key" ON "checklist_items" ("checklist_id", "key") `);
        await queryRunner.query(`DROP INDEX "ix_observations_session_code_time"`);
        await queryRunner.query(`DROP TABLE "observations"`);
        await queryRunner.query(`DROP INDEX "ix_staff_session"`);
        await queryRunner.query(`DROP TABLE "staff_presence"`);
        await queryRunner.query(`DROP INDEX "ix_medications_participant"`);
        await queryRunner.query(`DROP TABLE "medications"`);
        await queryRunner.query(`DROP INDEX "ix_doses_session"`);
        await queryRunner.query(`DROP TABLE "doses"`);
        await queryRunner.query(`DROP INDEX "uq_checklist_items_key"`);
        await queryRunner.query(`DROP TABLE "checklist_items"`);
        await queryRunner.query(`DROP INDEX "uq_checklists_session_key_version"`);
        await queryRunner.query(`DROP TABLE "checklists"`);
        await queryRunner.query(`DROP INDEX "ix_assessments_session"`);
        await queryRunner.query(`DROP TABLE "assessments"`);
        await queryRunner.query(`DROP INDEX "ix_adverse_events_participant"`);
        await queryRunner.query(`DROP INDEX "ix_adverse_events_due"`);
        await queryRunner.query(`DROP TABLE "adverse_events"`);
    }

}
