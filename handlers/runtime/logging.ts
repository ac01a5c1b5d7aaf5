/**
 * Structured JSON logging for the functions, through Powertools Logger.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ENV } from '../../shared/config.ts';
import type { Log, LogFields } from '../../shared/log.ts';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL', 'TRACE'] as const;
type Level = (typeof LEVELS)[number];

function levelFrom(raw: string | undefined): Level {
  const level = raw?.trim().toUpperCase();
  return (LEVELS as readonly string[]).includes(level ?? '') ? (level as Level) : 'INFO';
}

/** One logger per function process, named for the function. */
export function createLogger(functionName: string): Logger {
  return new Logger({ serviceName: functionName, logLevel: levelFrom(process.env[ENV.logLevel]) });
}

/** The domain's {@link Log} port, written through a Powertools logger. */
export function domainLog(logger: Logger): Log {
  const write =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields: LogFields = {}): void =>
      logger[method](message, { ...fields });
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
