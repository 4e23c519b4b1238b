// Fashion-MNIST (Xiao et al., 2017), as torchvision.datasets.FashionMNIST: 60,000 training and
// 10,000 test images of 28x28 grey pixels, 10 classes. Read from local files only; nothing is
// downloaded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor';
import { int64 } from '../dtype';
import { tidy, keep } from '../memory';
import { Dataset } from '../utils/data/dataset';
import { read_idx } from './idx';

/** Where Debian's dataset-fashion-mnist package installs the four .gz files. */
export const DEFAULT_FASHION_MNIST_ROOT = '/usr/share/datasets/fashion-mnist';

export interface FashionMNISTOptions<I, L> {
  /** The 60,000 training images (true, the default) or the 10,000 test images. */
  train?: boolean;
  /** Applied to each image (a uint8 [28, 28] tensor) by getItem. */
  transform?: (image: Tensor) => I;
  /** Applied to each label (a number 0-9) by getItem. */
  target_transform?: (label: number) => L;
}

/**
 * Items are [image, label]: a uint8 [28, 28] tensor and a number, each through its transform.
 * For training loops, `data` (uint8 [N, 28, 28]) and `targets` (int64 [N]) hold the whole split
 * as two tensors, as in torchvision: normalize them once and wrap them in a TensorDataset.
 *
 * root may hold the files directly (Debian's layout) or torchvision's root/FashionMNIST/raw/;
 * each file may be gzipped (.gz) or not.
 */
export class FashionMNIST<I = Tensor, L = number> extends Dataset<[I, L]> {
  static readonly classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  readonly classes: string[] = FashionMNIST.classes.slice();
  readonly class_to_idx: Record<string, number> = Object.fromEntries(FashionMNIST.classes.map((c, i) => [c, i]));
  readonly root: string;
  readonly train: boolean;
  /** uint8 [N, 28, 28]; kept, so scopes never free it. */
  readonly data: Tensor;
  /** int64 [N]; kept, so scopes never free it. */
  readonly targets: Tensor;
  readonly transform?: (image: Tensor) => I;
  readonly target_transform?: (label: number) => L;
  /** The labels as numbers, so getItem needs no tensor reads. */
  private readonly labels: Uint8Array;

  constructor(root: string = DEFAULT_FASHION_MNIST_ROOT, options: FashionMNISTOptions<I, L> = {}) {
    super();
    this.root = root;
    this.train = options.train ?? true;
    this.transform = options.transform;
    this.target_transform = options.target_transform;
    const prefix = this.train ? 'train' : 't10k';
    const imagesPath = findFile(root, `${prefix}-images-idx3-ubyte`);
    const labelsPath = findFile(root, `${prefix}-labels-idx1-ubyte`);
    const [data, labels] = tidy(() => [read_idx(imagesPath, 'images'), read_idx(labelsPath, 'labels')]);
    if (data.shape[1] !== 28 || data.shape[2] !== 28) {
      throw new Error(`${imagesPath}: Fashion-MNIST images are 28x28, this file's are ${data.shape[1]}x${data.shape[2]}`);
    }
    if (data.shape[0] !== labels.shape[0]) {
      throw new Error(`${imagesPath} holds ${data.shape[0]} images but ${labelsPath} holds ${labels.shape[0]} labels`);
    }
    this.labels = labels.toTypedArray() as Uint8Array;
    this.data = keep(data);
    this.targets = keep(tidy(() => labels.to(int64)));
    labels.dispose();
  }

  get length(): number {
    return this.labels.length;
  }

  getItem(index: number): [I, L] {
    if (!Number.isInteger(index) || index < -this.length || index >= this.length) {
      throw new RangeError(`FashionMNIST index ${index} is out of range for length ${this.length}`);
    }
    const i = index < 0 ? index + this.length : index;
    const image = this.data.select(0, i);
    const label = this.labels[i];
    return [
      this.transform ? this.transform(image) : (image as unknown as I),
      this.target_transform ? this.target_transform(label) : (label as unknown as L),
    ];
  }
}

/** base, base.gz, under root or root/FashionMNIST/raw; a clear Error when none exists. */
function findFile(root: string, base: string): string {
  const folders = [root, join(root, 'FashionMNIST', 'raw')];
  for (const folder of folders) {
    for (const name of [base, `${base}.gz`]) {
      const p = join(folder, name);
      if (existsSync(p)) return p;
    }
  }
  const where = existsSync(root) ? `neither ${join(root, base)}(.gz) nor ${join(root, 'FashionMNIST', 'raw', base)}(.gz) exists` : `the folder ${root} does not exist`;
  throw new Error(
    `Fashion-MNIST not found: ${where}. Get the data with \`apt-get install dataset-fashion-mnist\` ` +
      `(installs it to ${DEFAULT_FASHION_MNIST_ROOT}), or download Fashion-MNIST and pass its folder as root.`,
  );
}
