// torch.optim: the optimizers and, as a namespace, torch.optim.lr_scheduler.
export { Optimizer, required } from './optimizer';
export type { ParamGroup, ParamsInput, OptimizerState, OptimizerStateDict } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { RMSprop } from './rmsprop';
export type { RMSpropOptions } from './rmsprop';
export { Adagrad } from './adagrad';
export type { AdagradOptions } from './adagrad';
export * as lr_scheduler from './lr_scheduler';
