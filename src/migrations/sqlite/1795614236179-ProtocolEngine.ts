import { MigrationInterface, QueryRunner } from "typeorm";

export class ProtocolEngine1795614236179 implements MigrationInterface {
    name = 'ProtocolEngine1795614236179'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "participants" ("id" varchar PRIMARY KEY NOT NULL, "study_id" varchar(36) NOT NULL, "site_id" varchar(36) NOT NULL, "code" varchar(64) NOT NULL, "sex" varchar(1), "birth_year" integer, "childbearing_potential" boolean NOT NULL DEFAULT (0), "protocol_id" varchar(64) NOT NULL, "protocol_version" varchar(32) NOT NULL, "machine_id" varchar(120) NOT NULL, "course_snapshot" text NOT NULL, "course_state" varchar(64) NOT NULL, "version" integer NOT NULL DEFAULT (1), "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_participants_site" ON "participants" ("site_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_participants_study_code" ON "participants" ("study_id", "code") `);
        await queryRunner.query(`CREATE TABLE "scheduled_tasks" ("id" varchar PRIMARY KEY NOT NULL, "participant_id" varchar(36) NOT NULL, "session_id" varchar(36), "kind" varchar(32) NOT NULL, "key" varchar(64) NOT NULL, "label" varchar(200) NOT NULL, "due_at" datetime NOT NULL, "fired_at" datetime, "done_at" datetime, "payload" text, "created_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_tasks_participant" ON "scheduled_tasks" ("participant_id") `);
        await queryRunner.query(`CREATE INDEX "ix_tasks_session" ON "scheduled_tasks" ("session_id") `);
        await queryRunner.query(`CREATE INDEX "ix_tasks_due" ON "scheduled_tasks" ("fired_at", "due_at") `);
        await queryRunner.query(`CREATE TABLE "deviations" ("id" varchar PRIMARY KEY NOT NULL, "participant_id" varchar(36) NOT NULL, "session_id" varchar(36), "category" varchar(32) NOT NULL, "requirement" varchar(64), "description" text NOT NULL, "important" boolean NOT NULL, "override_id" varchar(36), "recorded_by" varchar(36), "occurred_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_deviations_session" ON "deviations" ("session_id") `);
        await queryRunner.query(`CREATE INDEX "ix_deviations_participant" ON "deviations" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "gate_overrides" ("id" varchar PRIMARY KEY NOT NULL, "session_id" varchar(36) NOT NULL, "requirement" varchar(64) NOT NULL, "message" text NOT NULL, "reason" text NOT NULL, "investigator_id" varchar(36) NOT NULL, "signature_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL, "used_at" datetime, "used_by_event" varchar(64))`);
        await queryRunner.query(`CREATE INDEX "ix_overrides_session" ON "gate_overrides" ("session_id") `);
        await queryRunner.query(`CREATE TABLE "sessions" ("id" varchar PRIMARY KEY NOT NULL, "participant_id" varchar(36) NOT NULL, "study_id" varchar(36) NOT NULL, "site_id" varchar(36) NOT NULL, "phase" varchar(16) NOT NULL, "session_number" integer NOT NULL, "protocol_id" varchar(64) NOT NULL, "protocol_version" varchar(32) NOT NULL, "machine_id" varchar(120) NOT NULL, "configuration_version" integer NOT NULL, "snapshot" text NOT NULL, "state" varchar(64) NOT NULL, "responsible_investigator_id" varchar(36) NOT NULL, "scheduled_at" datetime, "started_at" datetime, "ended_at" datetime, "dose_at" datetime, "version" integer NOT NULL DEFAULT (1), "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_sessions_site" ON "sessions" ("site_id") `);
        await queryRunner.query(`CREATE INDEX "ix_sessions_participant" ON "sessions" ("participant_id") `);
        await queryRunner.query(`CREATE TABLE "study_configurations" ("id" varchar PRIMARY KEY NOT NULL, "study_id" varchar(36) NOT NULL, "version" integer NOT NULL, "parameters" text NOT NULL, "created_by" varchar(36), "reason" text, "created_at" datetime NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_study_configuration_version" ON "study_configurations" ("study_id", "version") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "uq_study_configuration_version"`);
        await queryRunner.query(`DROP TABLE "study_configurations"`);
        await queryRunner.query(`DROP INDEX "ix_sessions_participant"`);
        await queryRunner.query(`DROP INDEX "ix_sessions_site"`);
        await queryRunner.query(`DROP TABLE "sessions"`);
        await queryRunner.query(`DROP INDEX "ix_overrides_session"`);
        await queryRunner.query(`DROP TABLE "gate_overrides"`);
        await queryRunner.query(`DROP INDEX "ix_deviations_participant"`);
        await queryRunner.query(`DROP INDEX "ix_deviations_session"`);
        await queryRunner.query(`DROP TABLE "deviations"`);
        await queryRunner.query(`DROP INDEX "ix_tasks_due"`);
        await queryRunner.query(`DROP INDEX "ix_tasks_session"`);
        await queryRunner.query(`DROP INDEX "ix_tasks_participant"`);
        await queryRunner.query(`DROP TABLE "scheduled_tasks"`);
        await queryRunner.query(`DROP INDEX "uq_participants_study_code"`);
        await queryRunner.query(`DROP INDEX "ix_participants_site"`);
        await queryRunner.query(`DROP TABLE "participants"`);
    }

}
