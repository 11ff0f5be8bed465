import { ValidationError, ValidationPipe } from '@nestjs/common';
import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';
import { ProblemException, ProblemType } from './problem';

/** Flattens class-validator errors into `field.path -> messages`, the shape API.md promises. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out[path] = Object.values(error.constraints);
    if (error.children?.length) Object.assign(out, flattenValidationErrors(error.children, path));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      return new ProblemException(ProblemType.validation, `Invalid fields: ${Object.keys(fields).join(', ')}`, {
        errors: fields,
      });
    },
  });
}

/**
 * ISO 8601 date-time with a zone (Z or ±hh:mm), the only shape a client-supplied instant may take.
 * `@IsDateString({ strict: true })` lets week dates, ordinal dates and comma fractions through,
 * which `new Date()` turns into Invalid Date — and then a 500.
 */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || !Number.isFinite(Date.parse(value))) return false;
  // Date.parse rolls 2026-02-30 over to March 2: the calendar date and the clock must exist as written
  const [y, m, d, hh, mm, ss] = [0, 5, 8, 11, 14, 17].map((i) => Number(value.slice(i, i + (i === 0 ? 4 : 2))));
  const second = value[16] === ':' ? ss : 0;
  return m >= 1 && m <= 12 && d >= 1 && d === new Date(Date.UTC(y, m - 1, d)).getUTCDate() && hh <= 23 && mm <= 59 && second <= 59;
}

/** A client-supplied point in time: ISO 8601 date-time with a zone, such as 2026-03-02T06:30:00Z. */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => isInstant(value),
        defaultMessage: buildMessage(
          (eachPrefix) => `${eachPrefix}$property must be an ISO 8601 time with a zone, such as 2026-03-02T06:30:00Z`,
          options,
        ),
      },
    },
    options,
  );
}
