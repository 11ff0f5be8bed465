import { MigrationInterface, QueryRunner } from "typeorm";

export class ClinicalRecords1795616231623 implements MigrationInterface {
    name = 'ClinicalRecords1795616231623'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "adverse_events" ("version" integer NOT NULL DEFAULT '1', "corrected_at" TIMESTAMP WITH TIME ZONE, "voided_at" TIMESTAMP WITH TIME ZONE, "void_reason" text, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid, "participant_id" uuid NOT NULL, "site_id" uuid NOT NULL, "term" character varying(300) NOT NULL, "coded_term" character varying(300), "dictionary_version" character varying(64), "onset_at" TIMESTAMP WITH TIME ZONE NOT NULL, "end_at" TIMESTAMP WITH TIME ZONE, "aware_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ctcae_grade" integer, "ctcae_version" character varying(16), "sae_death" boolean NOT NULL DEFAULT false, "sae_life_threatening" boolean NOT NULL DEFAULT false, "sae_hospitalization" boolean NOT NULL DEFAULT false, "sae_disability" boolean NOT NULL DEFAULT false, "sae_congenital_anomaly" boolean NOT NULL DEFAULT false, "sae_medically_important" boolean NOT NULL DEFAULT false, "relatedness" character varying(32) NOT NULL, "expected" boolean, "action_taken" character varying(64), "outcome" character varying(64), "positive" boolean NOT NULL DEFAULT false, "minutes_after_dose" integer, "report_due_at" TIMESTAMP WITH TIME ZONE, "reported_at" TIMESTAMP WITH TIME ZONE, "confirmed_by" character varying(36), "confirmed_at" TIMESTAMP WITH TIME ZONE, "confirmation_signature_id" character varying(36), "recorded_by" uuid NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_3957b669b5de4933180c74f1178" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_adverse_events_due" ON "adverse_events" ("report_due_at") `);
        await queryRunner.query(`CREATE INDEX "ix_adverse_events_participant" ON "adverse_events" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "assessments" ("version" integer NOT NULL DEFAULT '1', "corrected_at" TIMESTAMP WITH TIME ZONE, "voided_at" TIMESTAMP WITH TIME ZONE, "void_reason" text, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid NOT NULL, "participant_id" uuid NOT NULL, "instrument" character varying(32) NOT NULL, "result" text NOT NULL, "taken_at" TIMESTAMP WITH TIME ZONE NOT NULL, "recorded_by" uuid NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a3442bd80a00e9111cefca57f6c" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_assessments_session" ON "assessments" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "checklists" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid NOT NULL, "key" character varying(32) NOT NULL, "title" character varying(200) NOT NULL, "version" integer NOT NULL, "status" character varying(16) NOT NULL, "amendment_reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE, "row_version" integer NOT NULL DEFAULT '1', CONSTRAINT "PK_336ade2047f3d713e1afa20d2c6" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_checklists_session_key_version" ON "checklists" ("session_id", "key", "version") `);
        await queryRunner.query(`CREATE TABLE "checklist_items" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "checklist_id" uuid NOT NULL, "position" integer NOT NULL, "key" character varying(64) NOT NULL, "label" character varying(300) NOT NULL, "required" boolean NOT NULL, "applies_to" character varying(32) NOT NULL, "value_kind" character varying(32) NOT NULL, "status" character varying(16) NOT NULL, "value" text, "comment" text, "recorded_by" character varying(36), "recorded_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_bae00945a1d4789bd648e583e29" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_checklist_items_key" ON "checklist_items" ("checklist_id", "key") `);
        await queryRunner.query(`CREATE TABLE "doses" ("version" integer NOT NULL DEFAULT '1', "corrected_at" TIMESTAMP WITH TIME ZONE, "voided_at" TIMESTAMP WITH TIME ZONE, "void_reason" text, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid NOT NULL, "participant_id" uuid NOT NULL, "substance" character varying(64) NOT NULL, "amount_mg" double precision NOT NULL, "route" character varying(32) NOT NULL, "lot" character varying(64) NOT NULL, "kit_number" character varying(64), "administered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "kind" character varying(16) NOT NULL, "device_seq" integer, "administered_by" uuid NOT NULL, "witnessed_by" uuid NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6bb26e98368b4b9690980e7b7d1" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_doses_session" ON "doses" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "medications" ("version" integer NOT NULL DEFAULT '1', "corrected_at" TIMESTAMP WITH TIME ZONE, "voided_at" TIMESTAMP WITH TIME ZONE, "void_reason" text, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid, "participant_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "drug_class" character varying(64), "dose_text" character varying(200) NOT NULL, "route" character varying(32) NOT NULL, "given_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ended_at" TIMESTAMP WITH TIME ZONE, "indication" character varying(300) NOT NULL, "category" character varying(16) NOT NULL, "adverse_event_id" character varying(36), "recorded_by" uuid NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_cdee49fe7cd79db13340150d356" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_medications_participant" ON "medications" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "staff_presence" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid NOT NULL, "user_id" uuid NOT NULL, "role" character varying(16) NOT NULL, "present_from" TIMESTAMP WITH TIME ZONE NOT NULL, "present_until" TIMESTAMP WITH TIME ZONE, "recorded_by" character varying(36) NOT NULL, CONSTRAINT "PK_ff8fb5a9922956a863e5546ce43" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_staff_session" ON "staff_presence" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "observations" ("version" integer NOT NULL DEFAULT '1', "corrected_at" TIMESTAMP WITH TIME ZONE, "voided_at" TIMESTAMP WITH TIME ZONE, "void_reason" text, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid NOT NULL, "participant_id" uuid NOT NULL, "code" character varying(16) NOT NULL, "loinc" character varying(16) NOT NULL, "value" double precision NOT NULL, "unit" character varying(16) NOT NULL, "taken_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "device_time" TIMESTAMP WITH TIME ZONE, "source" character varying(8) NOT NULL, "device_id" character varying(36), "quality" text, "reading_id" character varying(36), "entered_by" character varying(36), CONSTRAINT "PK_f9208d64f50a76030758087c0ef" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_observations_session_code_time" ON "observations" ("session_id", "code", "taken_at") `);
        await queryRunner.query(`ALTER TABLE "checklist_items" ADD CONSTRAINT "FK_d98db409c26c6ed1a6d20c1bb0c" FOREIGN KEY ("checklist_id") REFERENCES "checklists"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "checklist_items" DROP CONSTRAINT "FK_d98db409c26c6ed1a6d20c1bb0c"`);
        await queryRunner.query(`DROP INDEX "public"."ix_observations_session_code_time"`);
        await queryRunner.query(`DROP TABLE "observations"`);
        await queryRunner.query(`DROP INDEX "public"."ix_staff_session"`);
        await queryRunner.query(`DROP TABLE "staff_presence"`);
        await queryRunner.query(`DROP INDEX "public"."ix_medications_participant"`);
        await queryRunner.query(`DROP TABLE "medications"`);
        await queryRunner.query(`DROP INDEX "public"."ix_doses_session"`);
        await queryRunner.query(`DROP TABLE "doses"`);
        await queryRunner.query(`DROP INDEX "public"."uq_checklist_items_key"`);
        await queryRunner.query(`DROP TABLE "checklist_items"`);
        await queryRunner.query(`DROP INDEX "public"."uq_checklists_session_key_version"`);
        await queryRunner.query(`DROP TABLE "checklists"`);
        await queryRunner.query(`DROP INDEX "public"."ix_assessments_session"`);
        await queryRunner.query(`DROP TABLE "assessments"`);
        await queryRunner.query(`DROP INDEX "public"."ix_adverse_events_participant"`);
        await queryRunner.query(`DROP INDEX "public"."ix_adverse_events_due"`);
        await queryRunner.query(`DROP TABLE "adverse_events"`);
    }

}
