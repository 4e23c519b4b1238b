// torchnode's torchvision-like datasets and transforms.
export { FashionMNIST, DEFAULT_FASHION_MNIST_ROOT } from './fashion_mnist';
export type { FashionMNISTOptions } from './fashion_mnist';
export { read_idx } from './idx';
export type { IdxKind } from './idx';
export * as transforms from './transforms';
