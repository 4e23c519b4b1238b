// Smoke demo: a 2-layer network learns XOR-like quadrants, with nothing but tensors, autograd
// and a hand-written SGD step. It proves the build end to end in a few seconds.
//
// torchnode is imported after the flags are parsed, so `--help` answers before LibTorch loads.
import { Command } from 'commander';
import { positiveInt } from './cli';

const opts = new Command('smoke')
  .description('a 2-layer network learns XOR-like quadrants with tensors, autograd and a hand-written SGD step; fails below 90% accuracy')
  .option('--steps <n>', 'training steps', positiveInt, 400)
  .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 0)
  .parse()
  .opts<{ steps: number; seed: number }>();

async function main(): Promise<void> {
  const torch = await import('../lib/index');
  torch.manual_seed(opts.seed);
  const X = torch.randn(1024, 2);
  const y = X.index(':', 0).mul(X.index(':', 1)).gt(0).float(); // 1 where both coordinates share a sign

  const W1 = torch.randn(2, 32).mul(0.5).requires_grad_();
  const b1 = torch.zeros(32, { requires_grad: true });
  const W2 = torch.randn(32, 1).mul(0.5).requires_grad_();
  const b2 = torch.zeros(1, { requires_grad: true });
  const params = [W1, b1, W2, b2];

  const forward = (x: typeof X) => x.mm(W1).add(b1).tanh().mm(W2).add(b2).squeeze(1);
  const lr = 0.5;
  const started = Date.now();
  for (let step = 1; step <= opts.steps; step++) {
    torch.tidy(() => {
      const loss = torch.ops.aten.binary_cross_entropy_with_logits(forward(X), y) as typeof X;
      loss.backward();
      torch.no_grad(() => {
        for (const p of params) {
          const g = p.grad!;
          p.sub_(g, { alpha: lr });
          g.zero_();
        }
      });
      if (step % 100 === 0) console.log(`step ${step}  loss ${(loss.item() as number).toFixed(4)}`);
    });
  }
  const accuracy = torch.no_grad(() => torch.tidy(() => forward(X).gt(0).float().eq(y).float().mean().item() as number));
  console.log(`train accuracy ${(accuracy * 100).toFixed(1)}% in ${Date.now() - started} ms ` +
    `(torchnode ${torch.version.torchnode}, LibTorch ${torch.version.libtorch}, live tensors ${torch.memory_stats().live_tensors})`);
  if (accuracy < 0.9) {
    console.error('smoke demo: accuracy below 90%: something is wrong');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
