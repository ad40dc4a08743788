// `@ct/shared/audit-module`: the audit log wired into a Nest app (the api's and the worker's), apart from the
// client itself (`@ct/shared/audit`) so that plain Node scripts load no framework. @nestjs/common is an
// optional peer dependency: the apps that import this entry depend on it.
export * from './audit/audit.module.js';
