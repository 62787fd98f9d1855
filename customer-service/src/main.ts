import { runService } from '@demo/service-kit';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

runService('customer-service', readConfig, buildApp);
