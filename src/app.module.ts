import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ProblemFilter } from './common/problem.filter';
import { VIGIL_CONFIG, VigilConfig } from './config/configuration';
import { ConfigurationModule } from './config/configuration.module';
import { DatabaseModule } from './database/database.module';
import { AdverseEventsModule } from './modules/adverse-events/adverse-events.module';
import { AssessmentsModule } from './modules/assessments/assessments.module';
import { AuditModule } from './modules/audit/audit.module';
import { ChecklistsModule } from './modules/checklists/checklists.module';
import { DosesModule } from './modules/doses/doses.module';
import { MedicationsModule } from './modules/medications/medications.module';
import { StaffModule } from './modules/staff/staff.module';
import { VitalsModule } from './modules/vitals/vitals.module';
import { AuthModule } from './modules/auth/auth.module';
import { HealthModule } from './modules/health/health.module';
import { ParticipantsModule } from './modules/participants/participants.module';
import { ProtocolsModule } from './modules/protocols/protocols.module';
import { SchedulerModule } from './modules/scheduler/scheduler.module';
import { SessionsModule } from './modules/sessions/sessions.module';
import { SignaturesModule } from './modules/signatures/signatures.module';
import { SitesModule } from './modules/sites/sites.module';
import { StudiesModule } from './modules/studies/studies.module';
import { UsersModule } from './modules/users/users.module';

/** Structured JSON logs without secrets: auth headers, cookies and any password field are redacted. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
];

@Module({
  imports: [
    ConfigurationModule,
    LoggerModule.forRootAsync({
      inject: [VIGIL_CONFIG],
      useFactory: (config: VigilConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACT, censor: '[redacted]' },
          // ids only: Vigil's URLs carry UUIDs, never participant data; query strings are dropped
          serializers: {
            req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: String(req.url).split('?')[0] }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
        },
      }),
    }),
    DatabaseModule,
    AuditModule,
    UsersModule,
    AuthModule,
    SignaturesModule,
    SitesModule,
    StudiesModule,
    ProtocolsModule,
    SchedulerModule,
    ParticipantsModule,
    SessionsModule,
    ChecklistsModule,
    StaffModule,
    DosesModule,
    MedicationsModule,
    AssessmentsModule,
    AdverseEventsModule,
    VitalsModule,
    HealthModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
