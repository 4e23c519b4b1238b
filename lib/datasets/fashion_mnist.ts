// Fashion-MNIST (Xiao et al., 2017), as torchvision.datasets.FashionMNIST: 60,000 training and
// 10,000 test images of 28x28 grey pixels, 10 classes. Read from local files; with
// `download: true` (FashionMNIST.create) fetched first, checksums verified, as torchvision does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor';
import { int64 } from '../dtype';
import { tidy, keep } from '../memory';
import { Dataset } from '../utils/data/dataset';
import { read_idx } from './idx';
import { downloadFile, mirrorsFromEnv, type DownloadOptions } from './download';

/** Where Debian's dataset-fashion-mnist package installs the four .gz files. */
export const DEFAULT_FASHION_MNIST_ROOT = '/usr/share/datasets/fashion-mnist';

/** The default root: the TORCHNODE_DATA environment variable when set, else Debian's folder. */
export function default_fashion_mnist_root(): string {
  return process.env.TORCHNODE_DATA || DEFAULT_FASHION_MNIST_ROOT;
}

/**
 * Where download fetches from, in order: torchvision's mirror (torchvision/datasets/mnist.py,
 * FashionMNIST.mirrors), then the Fashion-MNIST project's own copy on GitHub
 * (zalandoresearch/fashion-mnist, data/fashion/). TORCHNODE_FASHION_MNIST_MIRROR (base URLs,
 * comma-separated) or the `mirrors` option replaces the list.
 */
export const FASHION_MNIST_MIRRORS: readonly string[] = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

/**
 * The MD5 of each published file, as torchvision's FashionMNIST.resources lists them (the
 * same values as the table in the Fashion-MNIST project's README).
 */
export const FASHION_MNIST_MD5: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * Keyword arguments of the {@link FashionMNIST} constructor, as torchvision's
 * `FashionMNIST(root, train=True, transform=None, target_transform=None, download=False)`:
 * `train`, `transform`, `target_transform` and `download` keep their Python names and defaults.
 * torchvision's newer joint `transforms` argument (applied to the (image, label) pair) has no
 * counterpart here; `transform` receives a uint8 [28, 28] tensor, not a PIL image.
 *
 * @typeParam I - What `transform` turns an image into (a Tensor when there is none).
 * @typeParam L - What `target_transform` turns a label into (a number when there is none).
 * @see [torchvision.datasets.FashionMNIST](https://pytorch.org/vision/stable/generated/torchvision.datasets.FashionMNIST.html)
 */
export interface FashionMNISTOptions<I, L> {
  /** The 60,000 training images (true, the default) or the 10,000 test images. */
  train?: boolean;
  /** Applied to each image (a uint8 [28, 28] tensor) by getItem. */
  transform?: (image: Tensor) => I;
  /** Applied to each label (a number 0-9) by getItem. */
  target_transform?: (label: number) => L;
  /**
   * Fetch the files into root when they are missing, as torchvision's download=True. A
   * constructor cannot wait for the network, so the fetching is done by
   * `await FashionMNIST.create(root, { download: true })` (or `await FashionMNIST.download(root)`);
   * given to the constructor, download only changes the error when files are missing.
   */
  download?: boolean;
}

/**
 * Options of {@link FashionMNIST.create}: the constructor's {@link FashionMNISTOptions} (there
 * `download: true` really fetches the files) plus the {@link DownloadOptions} (`mirrors`, `md5`,
 * `log`), which torchvision keeps as class attributes (`FashionMNIST.mirrors`,
 * `FashionMNIST.resources`) rather than arguments.
 *
 * @see [torchvision.datasets.FashionMNIST](https://pytorch.org/vision/stable/generated/torchvision.datasets.FashionMNIST.html)
 */
export type FashionMNISTCreateOptions<I, L> = FashionMNISTOptions<I, L> & DownloadOptions;

/**
 * The Fashion-MNIST data set (10 classes of 28x28 grey clothing images), as
 * `torchvision.datasets.FashionMNIST`.
 *
 * Items are [image, label]: a uint8 [28, 28] tensor and a number, each through its transform.
 * For training loops, `data` (uint8 [N, 28, 28]) and `targets` (int64 [N]) hold the whole split
 * as two tensors, as in torchvision: normalize them once and wrap them in a TensorDataset.
 *
 * root may hold the files directly (Debian's layout) or torchvision's root/FashionMNIST/raw/;
 * each file may be gzipped (.gz) or not. The default root is $TORCHNODE_DATA, else Debian's
 * package folder. `await FashionMNIST.create(root, { download: true })` fetches missing files
 * into root/FashionMNIST/raw/ first.
 *
 * Differences from torchvision: images are uint8 tensors rather than PIL images (so
 * `transforms.ToTensor()` only converts dtype and adds the channel dimension); `download: true`
 * needs the asynchronous {@link FashionMNIST.create}, because a constructor cannot wait for the
 * network; negative indices count from the end; the Debian layout (the four files directly in
 * root) is accepted besides torchvision's root/FashionMNIST/raw/.
 *
 * @example
 * ```ts
 * const train = await FashionMNIST.create('./data', { download: true, transform: transforms.ToTensor() });
 * const [image, label] = train.getItem(0); // float32 [1, 28, 28], a number 0-9
 * ```
 * @typeParam I - What `transform` turns an image into (a Tensor when there is none).
 * @typeParam L - What `target_transform` turns a label into (a number when there is none).
 * @see [torchvision.datasets.FashionMNIST](https://pytorch.org/vision/stable/generated/torchvision.datasets.FashionMNIST.html)
 */
export class FashionMNIST<I = Tensor, L = number> extends Dataset<[I, L]> {
  /** The ten class names, indexed by label, as torchvision's `FashionMNIST.classes`. */
  static readonly classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  /** This instance's copy of the class names, indexed by label (torchvision's `dataset.classes`). */
  readonly classes: string[] = FashionMNIST.classes.slice();
  /** Each class name's label, as torchvision's `class_to_idx` property. */
  readonly class_to_idx: Record<string, number> = Object.fromEntries(FashionMNIST.classes.map((c, i) => [c, i]));
  /** The folder given as `root` (or the default), as torchvision's `dataset.root`. */
  readonly root: string;
  /** True for the training split, false for the test split (torchvision's `train`). */
  readonly train: boolean;
  /** uint8 [N, 28, 28]; kept, so scopes never free it. */
  readonly data: Tensor;
  /** int64 [N]; kept, so scopes never free it. */
  readonly targets: Tensor;
  /** The `transform` option, applied to each image by getItem; undefined when none was given. */
  readonly transform?: (image: Tensor) => I;
  /** The `target_transform` option, applied to each label by getItem; undefined when none was given. */
  readonly target_transform?: (label: number) => L;
  /** The labels as numbers, so getItem needs no tensor reads. */
  private readonly labels: Uint8Array;

  /**
   * Downloads the four files into root/FashionMNIST/raw/ (torchvision's layout) unless they are
   * there already: files found anywhere FashionMNIST looks (root itself, or raw/ with the right
   * checksum) are kept. Each download is checked against its MD5 and renamed into place only
   * when it matches; a failure leaves no file behind. Resolves to the folder written to.
   */
  static async download(root: string = default_fashion_mnist_root(), options: DownloadOptions = {}): Promise<string> {
    const folder = join(root, 'FashionMNIST', 'raw');
    const mirrors = options.mirrors ?? mirrorsFromEnv('TORCHNODE_FASHION_MNIST_MIRROR') ?? [...FASHION_MNIST_MIRRORS];
    const md5 = options.md5 ?? FASHION_MNIST_MD5;
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    for (const base of FILES) {
      // A copy in root itself (Debian's layout, or the user's own) or an unpacked one in raw/ is
      // used as it is, as torchvision trusts the files it finds; a .gz in raw/ is what
      // downloads write, so it must match its checksum or it is fetched again.
      if ([join(root, base), join(root, `${base}.gz`), join(folder, base)].some((p) => existsSync(p))) continue;
      const file = `${base}.gz`;
      const expected = md5[file];
      if (!expected) throw new Error(`FashionMNIST.download: no MD5 for ${file} in the checksum table`);
      await downloadFile(folder, file, expected, mirrors, log);
    }
    return folder;
  }

  /**
   * The dataset, after fetching its files when `download` is true: the asynchronous form of
   * torchvision's FashionMNIST(root, train, download=True).
   *
   * @example
   * ```ts
   * const test = await FashionMNIST.create('./data', { train: false, download: true });
   * ```
   */
  static async create<I = Tensor, L = number>(root: string = default_fashion_mnist_root(), options: FashionMNISTCreateOptions<I, L> = {}): Promise<FashionMNIST<I, L>> {
    if (options.download) await FashionMNIST.download(root, options);
    return new FashionMNIST<I, L>(root, { ...options, download: false });
  }

  /**
   * Reads one split from local files, synchronously: torchvision's
   * `FashionMNIST(root, train=True, transform=None, target_transform=None)`.
   *
   * @param root - The folder holding the files (directly, or under FashionMNIST/raw/);
   *   default $TORCHNODE_DATA, else {@link DEFAULT_FASHION_MNIST_ROOT}.
   * @param options - `train`, `transform`, `target_transform`; `download: true` is accepted but
   *   cannot fetch here (use {@link FashionMNIST.create}): it only makes the missing-files error
   *   point there.
   * @throws Error when the files are missing, malformed, not 28x28, or their counts differ.
   */
  constructor(root: string = default_fashion_mnist_root(), options: FashionMNISTOptions<I, L> = {}) {
    super();
    this.root = root;
    this.train = options.train ?? true;
    this.transform = options.transform;
    this.target_transform = options.target_transform;
    const prefix = this.train ? 'train' : 't10k';
    const imagesPath = findFile(root, `${prefix}-images-idx3-ubyte`, options.download === true);
    const labelsPath = findFile(root, `${prefix}-labels-idx1-ubyte`, options.download === true);
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
function findFile(root: string, base: string, downloadAsked: boolean): string {
  const folders = [root, join(root, 'FashionMNIST', 'raw')];
  for (const folder of folders) {
    for (const name of [base, `${base}.gz`]) {
      const p = join(folder, name);
      if (existsSync(p)) return p;
    }
  }
  const where = existsSync(root) ? `neither ${join(root, base)}(.gz) nor ${join(root, 'FashionMNIST', 'raw', base)}(.gz) exists` : `the folder ${root} does not exist`;
  if (downloadAsked) {
    throw new Error(
      `Fashion-MNIST not found: ${where}. The constructor cannot wait for a download: use ` +
        `\`await FashionMNIST.create(root, { download: true })\` (or \`await FashionMNIST.download(root)\` first).`,
    );
  }
  throw new Error(
    `Fashion-MNIST not found: ${where}. Get the data with \`apt-get install dataset-fashion-mnist\` ` +
      `(installs it to ${DEFAULT_FASHION_MNIST_ROOT}), with \`await FashionMNIST.create(root, { download: true })\`, ` +
      `or download Fashion-MNIST and pass its folder as root (or set TORCHNODE_DATA to it).`,
  );
}
