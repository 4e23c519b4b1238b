// torch.distributed: process groups over LibTorch's c10d (the engine PyTorch uses) with the gloo
// backend on CPU, its stores, and the collectives. `import { distributed as dist } from 'torchnode'`.
export { Store, TCPStore, FileStore, PrefixStore } from './store';
export type { TCPStoreOptions } from './store';
export { ReduceOp, Work } from './work';
export {
  ProcessGroup, GroupMember, init_process_group, destroy_process_group, new_group, is_available, is_initialized,
  is_gloo_available, get_rank, get_world_size, get_backend, get_global_rank, default_pg_timeout,
} from './process_group';
export type { Group, InitOptions } from './process_group';
export {
  all_reduce, broadcast, reduce, all_gather, gather, scatter, reduce_scatter, barrier, send, recv, isend, irecv,
} from './collectives';
export type { CollectiveOptions, ReduceOptions, GatherOptions, ScatterOptions, P2POptions, RecvOptions } from './collectives';

// DistributedSampler reads the default group's rank and world size through this registration,
// so that it does not load c10d itself. Before init_process_group these throw, as PyTorch's do.
import { _register_default_process_group } from '../utils/data/distributed';
import { _world as worldOf, get_rank as rankOf, get_world_size as sizeOf } from './process_group';
_register_default_process_group({
  get_world_size: () => (worldOf(), sizeOf()),
  get_rank: () => (worldOf(), rankOf()),
});
