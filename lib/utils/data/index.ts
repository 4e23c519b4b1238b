// torch.utils.data
export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split, isMapDataset, asMapDataset } from './dataset';
export type { MapDataset } from './dataset';
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from './sampler';
export { default_collate } from './collate';
export { DataLoader } from './dataloader';
export type { DataLoaderOptions } from './dataloader';
export { Generator, randperm, draw_seed } from './generator';
