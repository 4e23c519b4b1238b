// torch.optim.lr_scheduler: every scheduler, gathered from the files that define them.
export * from './lr_scheduler';
export * from './lr_scheduler_warmup';
export * from './lr_scheduler_cyclic';
export * from './lr_scheduler_compose';
