import { ValidationError, ValidationPipe } from '@nestjs/common';
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
