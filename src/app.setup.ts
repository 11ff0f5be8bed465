import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { createValidationPipe } from './common/validation';
import { VIGIL_CONFIG, VigilConfig } from './config/configuration';

export const API_PREFIX = 'api/v1';

/** Everything main.ts and the e2e tests share, so tests drive the app as it runs. */
export function configureApp(app: NestExpressApplication): INestApplication {
  const config = app.get<VigilConfig>(VIGIL_CONFIG);
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.use(helmet());
  app.disable('x-powered-by');
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.GET }] });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vigil')
      .setDescription('Session protocol manager for psychedelic-assisted therapy: the public HTTP contract (API.md).')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
