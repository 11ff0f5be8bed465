import { MigrationInterface, QueryRunner } from "typeorm";

export class ProtocolEngine1795614245413 implements MigrationInterface {
    name = 'ProtocolEngine1795614245413'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "participants" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "study_id" uuid NOT NULL, "site_id" uuid NOT NULL, "code" character varying(64) NOT NULL, "sex" character varying(1), "birth_year" integer, "childbearing_potential" boolean NOT NULL DEFAULT false, "protocol_id" character varying(64) NOT NULL, "protocol_version" character varying(32) NOT NULL, "machine_id" character varying(120) NOT NULL, "course_snapshot" text NOT NULL, "course_state" character varying(64) NOT NULL, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_1cda06c31eec1c95b3365a0283f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_participants_site" ON "participants" ("site_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_participants_study_code" ON "participants" ("study_id", "code") `);
        await queryRunner.query(`CREATE TABLE "scheduled_tasks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" uuid NOT NULL, "session_id" uuid, "kind" character varying(32) NOT NULL, "key" character varying(64) NOT NULL, "label" character varying(200) NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "fired_at" TIMESTAMP WITH TIME ZONE, "done_at" TIMESTAMP WITH TIME ZONE, "payload" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_abc9348e8ae95b59b11a982ea87" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_tasks_participant" ON "scheduled_tasks" ("participant_id") `);
        await queryRunner.query(`CREATE INDEX "ix_tasks_session" ON "scheduled_tasks" ("session_id") `);
        await queryRunner.query(`CREATE INDEX "ix_tasks_due" ON "scheduled_tasks" ("fired_at", "due_at") `);
        await queryRunner.query(`CREATE TABLE "deviations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" uuid NOT NULL, "session_id" uuid, "category" character varying(32) NOT NULL, "requirement" character varying(64), "description" text NOT NULL, "important" boolean NOT NULL, "override_id" character varying(36), "recorded_by" character varying(36), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_c893e73cef70784922b7becff60" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_deviations_session" ON "deviations" ("session_id") `);
        await queryRunner.query(`CREATE INDEX "ix_deviations_participant" ON "deviations" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "gate_overrides" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "session_id" uuid NOT NULL, "requirement" character varying(64) NOT NULL, "message" text NOT NULL, "reason" text NOT NULL, "investigator_id" uuid NOT NULL, "signature_id" character varying(36) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "used_by_event" character varying(64), CONSTRAINT "PK_8d2ae3a6eaa8bb7429ffb4c87d5" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_overrides_session" ON "gate_overrides" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" uuid NOT NULL, "study_id" uuid NOT NULL, "site_id" uuid NOT NULL, "phase" character varying(16) NOT NULL, "session_number" integer NOT NULL, "protocol_id" character varying(64) NOT NULL, "protocol_version" character varying(32) NOT NULL, "machine_id" character varying(120) NOT NULL, "configuration_version" integer NOT NULL, "snapshot" text NOT NULL, "state" character varying(64) NOT NULL, "responsible_investigator_id" uuid NOT NULL, "scheduled_at" TIMESTAMP WITH TIME ZONE, "started_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, "dose_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_sessions_site" ON "sessions" ("site_id") `);
        await queryRunner.query(`CREATE INDEX "ix_sessions_participant" ON "sessions" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "study_configurations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "study_id" uuid NOT NULL, "version" integer NOT NULL, "parameters" text NOT NULL, "created_by" character varying(36), "reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6c1158b8f886eca468f14492081" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_study_configuration_version" ON "study_configurations" ("study_id", "version") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."uq_study_configuration_version"`);
        await queryRunner.query(`DROP TABLE "study_configurations"`);
        await queryRunner.query(`DROP INDEX "public"."ix_sessions_participant"`);
        await queryRunner.query(`DROP INDEX "public"."ix_sessions_site"`);
        await queryRunner.query(`DROP TABLE "sessions"`);
        await queryRunner.query(`DROP INDEX "public"."ix_overrides_session"`);
        await queryRunner.query(`DROP TABLE "gate_overrides"`);
        await queryRunner.query(`DROP INDEX "public"."ix_deviations_participant"`);
        await queryRunner.query(`DROP INDEX "public"."ix_deviations_session"`);
        await queryRunner.query(`DROP TABLE "deviations"`);
        await queryRunner.query(`DROP INDEX "public"."ix_tasks_due"`);
        await queryRunner.query(`DROP INDEX "public"."ix_tasks_session"`);
        await queryRunner.query(`DROP INDEX "public"."ix_tasks_participant"`);
        await queryRunner.query(`DROP TABLE "scheduled_tasks"`);
        await queryRunner.query(`DROP INDEX "public"."uq_participants_study_code"`);
        await queryRunner.query(`DROP INDEX "public"."ix_participants_site"`);
        await queryRunner.query(`DROP TABLE "participants"`);
    }

}
