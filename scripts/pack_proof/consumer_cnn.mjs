// A consumer project's program (scripts/pack_proof.sh copies it into a clean project): imports
// the installed package by name, checks which LibTorch it runs on, and trains the chapter's CNN
// on Fashion-MNIST for a few steps. Exits 1 unless the loss falls.
//   node consumer_cnn.mjs <expected LibTorch major.minor> [<folder the LibTorch library must be in>]
import * as torch from 'torchnode';
import { realpathSync } from 'node:fs';

const [expectVersion, expectFolder] = process.argv.slice(2);
const { nn } = torch;
const F = nn.functional;
console.log(`torchnode ${torch.version.torchnode} on LibTorch ${torch.version.libtorch} (${torch.version.flavour}) from ${torch.version.library}`);
if (!torch.version.libtorch.startsWith(expectVersion + '.')) throw new Error(`expected LibTorch ${expectVersion}, got ${torch.version.libtorch}`);
if (expectFolder && !torch.version.library.startsWith(realpathSync(expectFolder) + '/'))
  throw new Error(`expected the LibTorch library from ${expectFolder}, got ${torch.version.library}`);

class CNN extends nn.Module {
  constructor() {
    super();
    this.conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
    this.conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
    this.pool = new nn.MaxPool2d(2, 2);
    this.fc1 = new nn.Linear(64 * 7 * 7, 128);
    this.fc2 = new nn.Linear(128, 10);
  }
  forward(x) {
    x = this.pool.forward(F.relu(this.conv1.forward(x)));
    x = this.pool.forward(F.relu(this.conv2.forward(x)));
    x = F.relu(this.fc1.forward(x.view(-1, 64 * 7 * 7)));
    return this.fc2.forward(x);
  }
}

torch.manual_seed(0);
const ds = new torch.datasets.FashionMNIST('/usr/share/datasets/fashion-mnist', { train: true });
const images = torch.keep(torch.tidy(() => ds.data.narrow(0, 0, 1280).unsqueeze(1).float().div(255).sub(0.2860).div(0.3530)));
const labels = torch.keep(ds.targets.narrow(0, 0, 1280));
const model = new CNN();
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const losses = [];
for (let i = 0; i < 20; i++) {
  torch.tidy(() => {
    optimizer.zero_grad();
    const loss = F.cross_entropy(model.forward(images.narrow(0, i * 64, 64)), labels.narrow(0, i * 64, 64));
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  });
}
const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
console.log(`CNN, 20 steps of 64: loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
if (!(last < first * 0.8)) throw new Error('the loss did not fall');
