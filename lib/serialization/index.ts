// torch.save / torch.load in PyTorch's own zip format, in TypeScript: LibTorch's C++
// pickle_load cannot read Python state_dicts (OrderedDicts with _metadata), so the zip
// container (zip.ts) and the pickle subset torch.save uses (pickle.ts) are implemented here.
export { save } from './save';
export { load } from './load';
export type { LoadOptions } from './load';
