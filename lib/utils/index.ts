// torch.utils
export * as data from './data';
export * as hooks from './hooks';
