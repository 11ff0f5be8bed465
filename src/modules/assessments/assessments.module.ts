import { Module } from '@nestjs/common';

/** Placeholder: filled in with its controller and service. */
@Module({})
export class AssessmentsModule {}
