import { z } from 'zod';
import { projectNameSchema } from '../jobs/training-spec.js';
import {
  PROJECT_ARCHIVE_TYPE,
  projectListSchema,
  projectSchema,
  projectVersionSchema,
} from '../projects/project.dto.js';
import { defineRoutes } from './route-contract.js';

const projectParams = z.strictObject({ name: projectNameSchema });

/** The routes of uploaded projects: a team's own training code, in versions. */
export const PROJECT_ROUTES = defineRoutes({
  uploadProject: {
    method: 'POST',
    path: '/v1/projects/:name',
    summary: "Upload a version of a team's project (a .tar.gz of its directory)",
    description:
      'The body is a gzip-compressed tar archive of the project directory (`ct project push DIR` makes one). ' +
      'Only regular files and directories may be in it: no links, devices, absolute paths or `..`. The ' +
      'version is the hash of its files: 201 for a new version, 200 with the existing one when the same files ' +
      'were uploaded before. A job names it as `<name>` (the newest version at submission) or ' +
      '`<name>@<hash prefix>` in `model.custom.project` or `model.mlproject.project`.',
    tag: 'projects',
    auth: 'submitter',
    params: projectParams,
    upload: { contentType: PROJECT_ARCHIVE_TYPE, alsoAccepted: ['application/octet-stream'] },
    responses: { 201: projectVersionSchema, 200: projectVersionSchema },
    errors: [503],
  },
  listProjects: {
    method: 'GET',
    path: '/v1/projects',
    summary: "The team's projects, each with its newest version",
    tag: 'projects',
    auth: 'viewer',
    responses: { 200: projectListSchema },
  },
  getProject: {
    method: 'GET',
    path: '/v1/projects/:name',
    summary: "A team's project: its versions, newest first, with their entry points and environment",
    tag: 'projects',
    auth: 'viewer',
    params: projectParams,
    responses: { 200: projectSchema },
    errors: [404],
  },
});
