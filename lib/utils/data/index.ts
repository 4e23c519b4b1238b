// torch.utils.data
export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split, isMapDataset, asMapDataset } from './dataset';
export type { MapDataset } from './dataset';
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from './sampler';
export { default_collate } from './collate';
export type { Collated } from './collate';
export { DataLoader } from './dataloader';
export type { DataLoaderOptions, DataLoaderDataset } from './dataloader';
export { Generator, randperm, draw_seed } from './generator';
export { get_worker_info } from './worker_info';
export type { WorkerInfo } from './worker_info';
export type { WorkerDatasetSpec } from './worker_dataset';
export { draw_base_seed } from './generator';
/** @internal The loop a DataLoader worker thread runs (PyTorch's torch.utils.data._utils.worker._worker_loop). */
export { worker_loop as _worker_loop } from './worker_loop';
/** @internal How many DataLoader worker threads are alive (for tests and leak checks). */
export { live_worker_threads as _live_worker_threads } from './worker_pool';
export { DistributedSampler } from './distributed';
export type { DistributedSamplerOptions } from './distributed';
export * as distributed from './distributed';
