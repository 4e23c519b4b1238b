// torch.serving: helpers for serving models from a Node process.
export { MicroBatcher, QueueFullError } from './micro_batcher';
export type { MicroBatcherOptions, MicroBatcherStats, SubmitOptions, Tensors } from './micro_batcher';
