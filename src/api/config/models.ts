/** Models: list, read, create, publish a new version, list the versions. */
import { createModel, getModel, listModels, listVersions, publishVersion } from '../../book/models';
import { bookContext, configRoute, requireOps, viaBook } from './access';
import {
  CreateModelBody,
  ModelCreated,
  ModelList,
  Model as ModelOut,
  ModelParams,
  ModelPublished,
  ModelVersionList,
  PublishVersionBody,
} from './schemas';

const WRITE_PROBLEMS = {
  403: 'Not an ops token',
  404: 'No such model',
  409: 'The model exists already, or changed at the same time',
  413: 'Body too large',
  415: 'Body is not application/json',
};

export const MODEL_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/models',
    operationId: 'listModels',
    summary: 'Models',
    description:
      'Every model with its current version (targets and settings) and how many accounts follow it. Any token.',
    tags: ['models'],
    response: { description: 'The models', schema: ModelList },
    problems: {},
    async handler({ deps }) {
      return { models: await listModels(deps.db) };
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/models/{modelId}',
    operationId: 'getModel',
    summary: 'One model',
    description: 'The model and its current version. Any token.',
    tags: ['models'],
    params: ModelParams,
    response: { description: 'The model', schema: ModelOut },
    problems: { 404: 'No such model' },
    handler: ({ deps, params }) => viaBook('path.modelId', () => getModel(deps.db, params.modelId)),
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/models/{modelId}/versions',
    operationId: 'listModelVersions',
    summary: "A model's versions",
    description:
      'Every published version, newest first: targets, settings, who published it, when, through what. Any token.',
    tags: ['models'],
    params: ModelParams,
    response: { description: 'The versions', schema: ModelVersionList },
    problems: { 404: 'No such model' },
    async handler({ deps, params }) {
      const versions = await viaBook('path.modelId', () => listVersions(deps.db, params.modelId));
      return { modelId: params.modelId, versions };
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/models',
    operationId: 'createModel',
    summary: 'Create a model',
    description:
      'Creates the model with its version 1: targets by security (`symbol`, with `alternates`) or by asset class (`assetClass` as well), relative weights (each above 0, adding up to 1 at most), and model-level engine settings (bands, cash target, rebalance mode…). Every symbol must be a security of the book; the settings must resolve in the engine. Ops tokens only; audited.',
    tags: ['models'],
    body: CreateModelBody,
    response: { description: 'The model created', schema: ModelCreated },
    problems: WRITE_PROBLEMS,
    async handler(ctx) {
      requireOps(ctx.principal, 'create a model');
      return viaBook('body.id', () => createModel(bookContext(ctx), ctx.body));
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/models/{modelId}/versions',
    operationId: 'publishModelVersion',
    summary: 'Publish a new version',
    description:
      "Publishes the next version of the model (a published version never changes). Accounts on the model see it at their next scan, where the engine's MODEL_CHANGE trigger rebalances them fully; `effect` says from which trade date (tomorrow for accounts already scanned today). The same targets and settings as the current version publish nothing (`changed: false`). Ops tokens only; audited with the version before and after.",
    tags: ['models'],
    params: ModelParams,
    body: PublishVersionBody,
    response: { description: 'The model with its new current version', schema: ModelPublished },
    problems: WRITE_PROBLEMS,
    async handler(ctx) {
      requireOps(ctx.principal, 'publish a model version');
      return viaBook('path.modelId', () => publishVersion(bookContext(ctx), ctx.params.modelId, ctx.body));
    },
  }),
];
