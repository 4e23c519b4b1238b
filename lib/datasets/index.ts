// torchnode's torchvision-like datasets and transforms.
export { FashionMNIST, DEFAULT_FASHION_MNIST_ROOT, FASHION_MNIST_MD5, FASHION_MNIST_MIRRORS, default_fashion_mnist_root } from './fashion_mnist';
export type { FashionMNISTOptions, FashionMNISTCreateOptions } from './fashion_mnist';
export type { DownloadOptions } from './download';
export { read_idx } from './idx';
export type { IdxKind } from './idx';
export * as transforms from './transforms';
