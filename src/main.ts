import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigurationError, loadConfig } from './config/configuration';

async function bootstrap(): Promise<void> {
  // Validate before anything starts, so a wrong variable stops the start with its name.
  let port: number;
  try {
    port = loadConfig(process.env).port;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
  configureApp(app);
  await app.listen(port);
  process.stdout.write(`Vigil listening on http://localhost:${port} (health: /health, API docs: /api/docs)\n`);
}

void bootstrap();
