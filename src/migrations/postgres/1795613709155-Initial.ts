import { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795613709155 implements MigrationInterface {
    name = 'Initial1795613709155'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_chain_head" ("id" integer NOT NULL, "count" integer NOT NULL, "head_hash" character varying(64) NOT NULL, "mac" character varying(64) NOT NULL, CONSTRAINT "PK_9211408bf584034de409b1bbec5" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "audit_entries" ("seq" integer NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "user_id" character varying(36), "username" character varying(64), "action" character varying(64) NOT NULL, "entity_type" character varying(64) NOT NULL, "entity_id" character varying(64), "old_value" text, "new_value" text, "reason" text, "canonical" text NOT NULL, "prev_hash" character varying(64) NOT NULL, "hash" character varying(64) NOT NULL, CONSTRAINT "PK_0de907d00514c64bf4c6fd7ae10" PRIMARY KEY ("seq"))`);
        await queryRunner.query(`CREATE INDEX "ix_audit_entity" ON "audit_entries" ("entity_type", "entity_id") `);
        await queryRunner.query(`CREATE TABLE "auth_sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ended_at" TIMESTAMP WITH TIME ZONE, "end_reason" character varying(32), "signed_with_full_credentials" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_auth_sessions_user" ON "auth_sessions" ("user_id") `);
        await queryRunner.query(`CREATE TABLE "signatures" ("id" uuid NOT NULL, "record_type" character varying(64) NOT NULL, "record_id" character varying(64) NOT NULL, "record_hash" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "printed_name" character varying(200) NOT NULL, "meaning" character varying(16) NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "method" character varying(16) NOT NULL, "seal" character varying(64) NOT NULL, "voided_at" TIMESTAMP WITH TIME ZONE, "void_reason" text, CONSTRAINT "PK_f56eb3cd344ce7f9ae28ce814eb" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_signatures_record" ON "signatures" ("record_type", "record_id") `);
        await queryRunner.query(`CREATE TABLE "sites" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code" character varying(32) NOT NULL, "name" character varying(200) NOT NULL, "timezone" character varying(64) NOT NULL, "country" character varying(2) NOT NULL, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4f5eccb1dfde10c9170502595a7" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_sites_code" ON "sites" ("code") `);
        await queryRunner.query(`CREATE TABLE "studies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code" character varying(64) NOT NULL, "title" character varying(300) NOT NULL, "protocol_id" character varying(64) NOT NULL, "protocol_version" character varying(32) NOT NULL, "sponsor" character varying(200), "configuration_version" integer NOT NULL DEFAULT '1', "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b100ff0c4a0ad02a9c2270d45b6" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_studies_code" ON "studies" ("code") `);
        await queryRunner.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(64) NOT NULL, "full_name" character varying(200) NOT NULL, "password_hash" character varying(255) NOT NULL, "roles" text NOT NULL, "must_change_password" boolean NOT NULL DEFAULT true, "disabled" boolean NOT NULL DEFAULT false, "failed_login_count" integer NOT NULL DEFAULT '0', "locked_until" TIMESTAMP WITH TIME ZONE, "password_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_username" ON "users" ("username") `);
        await queryRunner.query(`CREATE TABLE "user_sites" ("user_id" uuid NOT NULL, "site_id" uuid NOT NULL, CONSTRAINT "PK_fb40cfe04628e6adefbe90c1eb4" PRIMARY KEY ("user_id", "site_id"))`);
        await queryRunner.query(`ALTER TABLE "user_sites" ADD CONSTRAINT "FK_876af02663eefdbbd607c736346" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "user_sites" ADD CONSTRAINT "FK_76a7e1a212a3784b96140b713ba" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "user_sites" DROP CONSTRAINT "FK_76a7e1a212a3784b96140b713ba"`);
        await queryRunner.query(`ALTER TABLE "user_sites" DROP CONSTRAINT "FK_876af02663eefdbbd607c736346"`);
        await queryRunner.query(`DROP TABLE "user_sites"`);
        await queryRunner.query(`DROP INDEX "public"."uq_users_username"`);
        await queryRunner.query(`DROP TABLE "users"`);
        await queryRunner.query(`DROP INDEX "public"."uq_studies_code"`);
        await queryRunner.query(`DROP TABLE "studies"`);
        await queryRunner.query(`DROP INDEX "public"."uq_sites_code"`);
        await queryRunner.query(`DROP TABLE "sites"`);
        await queryRunner.query(`DROP INDEX "public"."ix_signatures_record"`);
        await queryRunner.query(`DROP TABLE "signatures"`);
        await queryRunner.query(`DROP INDEX "public"."ix_auth_sessions_user"`);
        await queryRunner.query(`DROP TABLE "auth_sessions"`);
        await queryRunner.query(`DROP INDEX "public"."ix_audit_entity"`);
        await queryRunner.query(`DROP TABLE "audit_entries"`);
        await queryRunner.query(`DROP TABLE "audit_chain_head"`);
    }

}
