"""Generates tests/fixtures/losses.json and tests/fixtures/optim.json: PyTorch-oracle values for the losses, optimizers, LR schedulers and clip_grad_norm_ (tests/losses.test.ts, tests/optim.test.ts).

losses.json: for each loss case, the inputs (float64 values), the float32 and float64 loss
values and the float64/float32 input gradients of loss.sum().
optim.json: a fixed small MLP regression problem (initial parameters and data), the parameter
trajectory of 20 steps of each optimizer configuration, param-group runs, an optimizer
state_dict, the lr sequences of the schedulers over 30 steps, ReduceLROnPlateau on a fixed
metric sequence, and clip_grad_norm_/clip_grad_value_ results.
Deterministic (fixed seeds, one thread). Run with:

    /usr/bin/python3 scripts/gen_optim_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from torch.optim import lr_scheduler

from fixture_dir import fixture_path

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)


def tj(t):
    """A tensor as {shape, dtype, values} with exact float values."""
    t = t.detach()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'values': t.flatten().tolist()}


# ---- losses -------------------------------------------------------------------------------------

def make_inputs(seed, spec):
    """spec: dict of name -> ('randn', shape) | ('int', high, shape) | ('prob', shape, dim) | ...; float64."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, s in spec.items():
        kind = s[0]
        if kind == 'randn':
            out[name] = torch.randn(s[1], generator=g, dtype=torch.float64)
        elif kind == 'int':
            out[name] = torch.randint(0, s[1], s[2], generator=g)
        elif kind == 'ints':  # literal class indices (to place ignore_index values)
            out[name] = torch.tensor(s[1], dtype=torch.int64)
        elif kind == 'softmax':  # probabilities along dim
            out[name] = torch.randn(s[1], generator=g, dtype=torch.float64).softmax(s[2])
        elif kind == 'log_softmax':
            out[name] = torch.randn(s[1], generator=g, dtype=torch.float64).log_softmax(s[2])
        elif kind == 'uniform':  # in (lo, hi)
            lo, hi = s[2], s[3]
            out[name] = torch.rand(s[1], generator=g, dtype=torch.float64) * (hi - lo) + lo
        elif kind == 'positive':
            out[name] = torch.rand(s[1], generator=g, dtype=torch.float64) * 2 + 0.25
        else:
            raise ValueError(kind)
    return out


# Each case: fn (F name), tensor inputs (input first, then target, then tensor kwargs),
# scalar kwargs, and which tensor kwargs go as keyword arguments.
LOSS_CASES = []


def case(id, fn, spec, kwargs=None, tensor_kwargs=(), seed=0):
    LOSS_CASES.append(dict(id=id, fn=fn, spec=spec, kwargs=kwargs or {}, tensor_kwargs=list(tensor_kwargs), seed=seed))


for red in ['none', 'mean', 'sum']:
    case(f'ce_{red}', 'cross_entropy', {'input': ('randn', [4, 5]), 'target': ('int', 5, [4])}, {'reduction': red}, seed=1)
    case(f'ce_weight_{red}', 'cross_entropy',
         {'input': ('randn', [4, 5]), 'target': ('int', 5, [4]), 'weight': ('positive', [5])},
         {'reduction': red}, ['weight'], seed=2)
    case(f'ce_ignore_{red}', 'cross_entropy',
         {'input': ('randn', [5, 4]), 'target': ('ints', [1, -100, 3, 0, -100])}, {'reduction': red}, seed=3)
    case(f'ce_ignore2_weight_{red}', 'cross_entropy',
         {'input': ('randn', [5, 4]), 'target': ('ints', [1, 2, 3, 2, 0]), 'weight': ('positive', [4])},
         {'reduction': red, 'ignore_index': 2}, ['weight'], seed=4)
    case(f'ce_smooth_{red}', 'cross_entropy', {'input': ('randn', [4, 5]), 'target': ('int', 5, [4])},
         {'reduction': red, 'label_smoothing': 0.1}, seed=5)
    case(f'ce_smooth_weight_ignore_{red}', 'cross_entropy',
         {'input': ('randn', [5, 4]), 'target': ('ints', [1, 2, 3, 2, 0]), 'weight': ('positive', [4])},
         {'reduction': red, 'ignore_index': 3, 'label_smoothing': 0.25}, ['weight'], seed=6)
    case(f'ce_prob_{red}', 'cross_entropy', {'input': ('randn', [4, 5]), 'target': ('softmax', [4, 5], 1)},
         {'reduction': red}, seed=7)
    case(f'ce_prob_weight_smooth_{red}', 'cross_entropy',
         {'input': ('randn', [4, 5]), 'target': ('softmax', [4, 5], 1), 'weight': ('positive', [5])},
         {'reduction': red, 'label_smoothing': 0.2}, ['weight'], seed=8)
    case(f'ce_kdim_{red}', 'cross_entropy', {'input': ('randn', [2, 3, 4]), 'target': ('int', 3, [2, 4])},
         {'reduction': red}, seed=9)
    case(f'nll_{red}', 'nll_loss', {'input': ('log_softmax', [4, 5], 1), 'target': ('int', 5, [4])},
         {'reduction': red}, seed=10)
    case(f'nll_weight_ignore_{red}', 'nll_loss',
         {'input': ('log_softmax', [5, 4], 1), 'target': ('ints', [1, 2, 3, 2, 0]), 'weight': ('positive', [4])},
         {'reduction': red, 'ignore_index': 2}, ['weight'], seed=11)
    case(f'nll_kdim_{red}', 'nll_loss', {'input': ('log_softmax', [2, 3, 2, 2], 1), 'target': ('int', 3, [2, 2, 2])},
         {'reduction': red}, seed=12)
    case(f'mse_{red}', 'mse_loss', {'input': ('randn', [3, 4]), 'target': ('randn', [3, 4])}, {'reduction': red}, seed=13)
    case(f'l1_{red}', 'l1_loss', {'input': ('randn', [3, 4]), 'target': ('randn', [3, 4])}, {'reduction': red}, seed=14)
    case(f'smooth_l1_{red}', 'smooth_l1_loss', {'input': ('randn', [3, 4]), 'target': ('randn', [3, 4])},
         {'reduction': red}, seed=15)
    case(f'smooth_l1_beta_{red}', 'smooth_l1_loss', {'input': ('randn', [3, 4]), 'target': ('randn', [3, 4])},
         {'reduction': red, 'beta': 0.5}, seed=16)
    case(f'bce_{red}', 'binary_cross_entropy',
         {'input': ('uniform', [4, 3], 0.05, 0.95), 'target': ('uniform', [4, 3], 0.0, 1.0)}, {'reduction': red}, seed=17)
    case(f'bce_weight_{red}', 'binary_cross_entropy',
         {'input': ('uniform', [4, 3], 0.05, 0.95), 'target': ('uniform', [4, 3], 0.0, 1.0), 'weight': ('positive', [3])},
         {'reduction': red}, ['weight'], seed=18)
    case(f'bce_logits_{red}', 'binary_cross_entropy_with_logits',
         {'input': ('randn', [4, 3]), 'target': ('uniform', [4, 3], 0.0, 1.0)}, {'reduction': red}, seed=19)
    case(f'bce_logits_posw_weight_{red}', 'binary_cross_entropy_with_logits',
         {'input': ('randn', [4, 3]), 'target': ('uniform', [4, 3], 0.0, 1.0), 'weight': ('positive', [4, 1]),
          'pos_weight': ('positive', [3])},
         {'reduction': red}, ['weight', 'pos_weight'], seed=20)

for red in ['none', 'mean', 'sum', 'batchmean']:
    case(f'kl_{red}', 'kl_div', {'input': ('log_softmax', [3, 4], 1), 'target': ('softmax', [3, 4], 1)},
         {'reduction': red}, seed=21)
    case(f'kl_logtarget_{red}', 'kl_div', {'input': ('log_softmax', [3, 4], 1), 'target': ('log_softmax', [3, 4], 1)},
         {'reduction': red, 'log_target': True}, seed=22)


def run_loss(c):
    inputs = make_inputs(c['seed'], c['spec'])
    out = {'id': c['id'], 'fn': c['fn'], 'kwargs': c['kwargs'], 'tensor_kwargs': c['tensor_kwargs'],
           'inputs': {k: tj(v) for k, v in inputs.items()}}
    fn = getattr(F, c['fn'])
    for dtype, name in [(torch.float32, 'float32'), (torch.float64, 'float64')]:
        cast = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in inputs.items()}
        x = cast['input'].clone().requires_grad_(True)
        kw = dict(c['kwargs'])
        for k in c['tensor_kwargs']:
            kw[k] = cast[k]
        loss = fn(x, cast['target'], **kw)
        loss.sum().backward()
        out[name] = {'loss': tj(loss), 'grad': tj(x.grad)}
    return out


# ---- optimizers ---------------------------------------------------------------------------------

def problem():
    """A 3-4-2 tanh MLP regression on 8 points, plus a parameter the loss never uses."""
    g = torch.Generator().manual_seed(1234)
    params = {
        'W1': torch.randn(3, 4, generator=g) * 0.5,
        'b1': torch.randn(4, generator=g) * 0.1,
        'W2': torch.randn(4, 2, generator=g) * 0.5,
        'b2': torch.randn(2, generator=g) * 0.1,
        'unused': torch.randn(3, generator=g),
    }
    x = torch.randn(8, 3, generator=g)
    y = torch.randn(8, 2, generator=g)
    return params, x, y


PARAM_NAMES = ['W1', 'b1', 'W2', 'b2', 'unused']


def mlp_loss(p, x, y):
    return x.matmul(p['W1']).add(p['b1']).tanh().matmul(p['W2']).add(p['b2']).sub(y).pow(2).mean()


def fresh_params():
    init, x, y = problem()
    return {k: torch.nn.Parameter(v.clone()) for k, v in init.items()}, x, y


def trajectory(opt, p, x, y, steps, on_step=None):
    traj = []
    for i in range(steps):
        if on_step:
            on_step(i, opt)
        opt.zero_grad()
        loss = mlp_loss(p, x, y)
        loss.backward()
        opt.step()
        traj.append({k: p[k].detach().flatten().tolist() for k in PARAM_NAMES})
    return traj


OPTIM_CASES = [
    ('SGD', {'lr': 0.1}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9}),
    ('SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01}),
    ('SGD', {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.3, 'weight_decay': 0.1, 'maximize': True}),
    ('Adam', {'lr': 0.01}),
    ('Adam', {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1}),
    ('Adam', {'lr': 0.01, 'amsgrad': True}),
    ('Adam', {'lr': 0.01, 'amsgrad': True, 'maximize': True, 'weight_decay': 0.05}),
    ('AdamW', {'lr': 0.01}),
    ('AdamW', {'lr': 0.02, 'weight_decay': 0.1, 'amsgrad': True, 'betas': (0.85, 0.995)}),
    ('AdamW', {'lr': 0.01, 'maximize': True}),
    ('RMSprop', {'lr': 0.01}),
    ('RMSprop', {'lr': 0.01, 'centered': True}),
    ('RMSprop', {'lr': 0.01, 'momentum': 0.9}),
    ('RMSprop', {'lr': 0.005, 'alpha': 0.9, 'eps': 1e-6, 'centered': True, 'momentum': 0.9, 'weight_decay': 0.1}),
    ('RMSprop', {'lr': 0.01, 'maximize': True}),
    ('Adagrad', {'lr': 0.1}),
    ('Adagrad', {'lr': 0.1, 'lr_decay': 0.01, 'weight_decay': 0.1, 'initial_accumulator_value': 0.1, 'eps': 1e-8}),
    ('Adagrad', {'lr': 0.05, 'maximize': True}),
    ('Adadelta', {}),
    ('Adadelta', {'lr': 0.5, 'rho': 0.8, 'eps': 1e-5, 'weight_decay': 0.1}),
    ('Adadelta', {'lr': 0.5, 'maximize': True}),
    ('Adamax', {'lr': 0.01}),
    ('Adamax', {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1, 'maximize': True}),
    ('NAdam', {'lr': 0.01}),
    ('NAdam', {'lr': 0.02, 'betas': (0.85, 0.995), 'weight_decay': 0.1, 'momentum_decay': 0.01}),
    ('RAdam', {'lr': 0.01}),
    ('RAdam', {'lr': 0.02, 'betas': (0.8, 0.9), 'weight_decay': 0.1}),
    ('ASGD', {'lr': 0.05}),
    ('ASGD', {'lr': 0.05, 'lambd': 0.01, 'alpha': 0.5, 't0': 5, 'weight_decay': 0.1, 'maximize': True}),
    ('Rprop', {}),
    ('Rprop', {'lr': 0.02, 'etas': (0.4, 1.5), 'step_sizes': (1e-4, 0.05), 'maximize': True}),
    # The foreach (_multi_tensor_*) paths.
    ('SGD', {'lr': 0.1, 'foreach': True}),
    ('SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01, 'foreach': True}),
    ('SGD', {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.3, 'weight_decay': 0.1, 'maximize': True, 'foreach': True}),
    ('Adam', {'lr': 0.01, 'foreach': True}),
    ('Adam', {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1, 'foreach': True}),
    ('Adam', {'lr': 0.01, 'amsgrad': True, 'maximize': True, 'weight_decay': 0.05, 'foreach': True}),
    ('AdamW', {'lr': 0.01, 'foreach': True}),
    ('AdamW', {'lr': 0.02, 'weight_decay': 0.1, 'amsgrad': True, 'betas': (0.85, 0.995), 'foreach': True}),
    ('Adadelta', {'lr': 0.5, 'rho': 0.8, 'eps': 1e-5, 'weight_decay': 0.1, 'foreach': True}),
    ('Adadelta', {'lr': 0.5, 'maximize': True, 'weight_decay': 0.1, 'foreach': True}),
    ('RMSprop', {'lr': 0.01, 'foreach': True}),
    ('RMSprop', {'lr': 0.005, 'alpha': 0.9, 'eps': 1e-6, 'centered': True, 'momentum': 0.9, 'weight_decay': 0.1,
                 'foreach': True}),
    ('RMSprop', {'lr': 0.01, 'centered': True, 'weight_decay': 0.05, 'maximize': True, 'foreach': True}),
    ('Adagrad', {'lr': 0.1, 'foreach': True}),
    ('Adagrad', {'lr': 0.1, 'lr_decay': 0.01, 'weight_decay': 0.1, 'initial_accumulator_value': 0.1, 'eps': 1e-8,
                 'foreach': True}),
    ('Adagrad', {'lr': 0.05, 'lr_decay': 0.03, 'maximize': True, 'foreach': True}),
    ('Adamax', {'lr': 0.01, 'foreach': True}),
    ('Adamax', {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1, 'maximize': True, 'foreach': True}),
    ('Adamax', {'lr': 0.02, 'weight_decay': 0.1, 'foreach': True}),
    ('NAdam', {'lr': 0.01, 'foreach': True}),
    ('NAdam', {'lr': 0.02, 'betas': (0.85, 0.995), 'weight_decay': 0.1, 'momentum_decay': 0.01, 'foreach': True}),
    ('RAdam', {'lr': 0.01, 'foreach': True}),
    ('RAdam', {'lr': 0.02, 'betas': (0.8, 0.9), 'weight_decay': 0.1, 'foreach': True}),
    ('ASGD', {'lr': 0.05, 'foreach': True}),
    ('ASGD', {'lr': 0.05, 'lambd': 0.01, 'alpha': 0.5, 't0': 5, 'weight_decay': 0.1, 'maximize': True, 'foreach': True}),
    ('ASGD', {'lr': 0.05, 'lambd': 0.01, 't0': 3, 'weight_decay': 0.1, 'foreach': True}),
    ('Rprop', {'foreach': True}),
    ('Rprop', {'lr': 0.02, 'etas': (0.4, 1.5), 'step_sizes': (1e-4, 0.05), 'maximize': True, 'foreach': True}),
]
if torch.__version__ >= '2':
    # Options PyTorch 2.x added.
    OPTIM_CASES += [
        ('NAdam', {'lr': 0.02, 'weight_decay': 0.1, 'decoupled_weight_decay': True, 'maximize': True}),
        ('RAdam', {'lr': 0.02, 'weight_decay': 0.1, 'decoupled_weight_decay': True, 'maximize': True}),
        ('NAdam', {'lr': 0.02, 'weight_decay': 0.1, 'decoupled_weight_decay': True, 'maximize': True, 'foreach': True}),
        ('NAdam', {'lr': 0.02, 'weight_decay': 0.1, 'maximize': True, 'foreach': True}),
        ('RAdam', {'lr': 0.02, 'weight_decay': 0.1, 'decoupled_weight_decay': True, 'maximize': True, 'foreach': True}),
        ('RAdam', {'lr': 0.02, 'weight_decay': 0.1, 'maximize': True, 'foreach': True}),
    ]

LBFGS_CASES = [
    {},
    {'lr': 0.5, 'max_iter': 4, 'history_size': 3},
    {'line_search_fn': 'strong_wolfe'},
    {'line_search_fn': 'strong_wolfe', 'max_iter': 5, 'history_size': 2, 'lr': 0.8},
]

# The same problem in float64: LBFGS's 0-dim tensor scalars (ys, ro, H_diag, al, the first t and
# the line search's) are then float64 tensors, not float32 ones.
LBFGS_FLOAT64_CASES = [
    {'lr': 0.8},
    {'line_search_fn': 'strong_wolfe'},
]


def run_lbfgs_cases(cases=LBFGS_CASES, dtype=torch.float32):
    out = []
    for kw in cases:
        p, x, y = fresh_params()
        if dtype != torch.float32:
            p = {k: torch.nn.Parameter(v.detach().to(dtype)) for k, v in p.items()}
            x, y = x.to(dtype), y.to(dtype)
        opt = torch.optim.LBFGS([p[k] for k in PARAM_NAMES], **kw)

        def closure():
            opt.zero_grad()
            loss = mlp_loss(p, x, y)
            loss.backward()
            return loss

        traj, losses = [], []
        for _ in range(5):
            losses.append(opt.step(closure).item())
            traj.append({k: p[k].detach().flatten().tolist() for k in PARAM_NAMES})
        st = opt.state[p['W1']]
        out.append({'options': kw, 'trajectory': traj, 'losses': losses,
                    'func_evals': st['func_evals'], 'n_iter': st['n_iter']})
    return out


def jsonable(v):
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, float) and math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def run_optim_cases():
    out = []
    for name, kw in OPTIM_CASES:
        p, x, y = fresh_params()
        opt = getattr(torch.optim, name)([p[k] for k in PARAM_NAMES], **kw)
        traj = trajectory(opt, p, x, y, 20)
        out.append({'optimizer': name, 'options': {k: jsonable(v) for k, v in kw.items()}, 'trajectory': traj})
    return out


def run_param_groups():
    """Two groups with their own lrs (SGD with momentum), and a third group added at step 10 (Adam)."""
    p, x, y = fresh_params()
    opt = torch.optim.SGD([{'params': [p['W1'], p['b1']], 'lr': 0.2},
                           {'params': [p['W2'], p['b2']]}], lr=0.05, momentum=0.9)
    sgd = {'groups': [{k: jsonable(v) for k, v in g.items() if k != 'params'} for g in opt.param_groups],
           'trajectory': trajectory(opt, p, x, y, 20)}

    p, x, y = fresh_params()
    opt = torch.optim.Adam([{'params': [p['W1'], p['b1']], 'lr': 0.02}, {'params': [p['W2']]}], lr=0.01)

    def add_group(i, o):
        if i == 10:
            o.add_param_group({'params': p['b2'], 'lr': 0.05, 'betas': (0.5, 0.9)})

    traj = trajectory(opt, p, x, y, 20, add_group)
    adam = {'groups': [{k: jsonable(v) for k, v in g.items() if k != 'params'} for g in opt.param_groups],
            'trajectory': traj}
    return {'sgd': sgd, 'adam_add_group': adam}


def state_dict_json(sd):
    state = {}
    for k, s in sd['state'].items():
        state[str(k)] = {n: (tj(v) if torch.is_tensor(v) else v) for n, v in s.items()}
    groups = [{k: jsonable(v) for k, v in g.items()} for g in sd['param_groups']]
    return {'state': state, 'param_groups': groups}


def run_state_dicts():
    out = {}
    for name, kw in [('SGD', {'lr': 0.1, 'momentum': 0.9}), ('Adam', {'lr': 0.01, 'amsgrad': True}),
                     ('AdamW', {'lr': 0.01}), ('RMSprop', {'lr': 0.01, 'centered': True, 'momentum': 0.5}),
                     ('Adagrad', {'lr': 0.1}), ('Adadelta', {'lr': 0.5}), ('Adamax', {'lr': 0.01}),
                     ('NAdam', {'lr': 0.01}), ('RAdam', {'lr': 0.01}), ('ASGD', {'lr': 0.05}), ('Rprop', {'lr': 0.01})]:
        p, x, y = fresh_params()
        opt = getattr(torch.optim, name)([p[k] for k in PARAM_NAMES], **kw)
        trajectory(opt, p, x, y, 3)
        out[name] = {'options': {k: jsonable(v) for k, v in kw.items()}, 'state_dict': state_dict_json(opt.state_dict())}
    return out


# ---- schedulers ---------------------------------------------------------------------------------

def lr_run(make_opt, make_sched, steps=30):
    opt = make_opt()
    sched = make_sched(opt)
    lrs = [sched.get_last_lr()]
    momenta = [[g.get('momentum', g.get('betas', [None])[0]) for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        momenta.append([g.get('momentum', g.get('betas', [None])[0]) for g in opt.param_groups])
    return lrs, momenta


def one_param():
    return [torch.nn.Parameter(torch.zeros(2))]


def sgd(lr=0.1, **kw):
    return lambda: torch.optim.SGD(one_param(), lr=lr, **kw)


def sgd_two_groups(**kw):
    return lambda: torch.optim.SGD([{'params': one_param(), 'lr': 0.1}, {'params': one_param(), 'lr': 0.01}], lr=0.1, **kw)


def adam_two_groups():
    return lambda: torch.optim.Adam([{'params': one_param(), 'lr': 0.1}, {'params': one_param(), 'lr': 0.01}])


# Each: id, optimizer kind, scheduler name, kwargs (JSON), lambda description for LambdaLR.
SCHED_CASES = [
    ('step', sgd(), 'StepLR', {'step_size': 7, 'gamma': 0.5}),
    ('step_two_groups', sgd_two_groups(), 'StepLR', {'step_size': 3}),
    ('multistep', sgd(), 'MultiStepLR', {'milestones': [5, 12, 12, 20], 'gamma': 0.3}),
    ('exponential', sgd(), 'ExponentialLR', {'gamma': 0.9}),
    ('cosine', sgd(), 'CosineAnnealingLR', {'T_max': 10, 'eta_min': 0.001}),
    ('cosine_7', sgd_two_groups(), 'CosineAnnealingLR', {'T_max': 7}),
    ('onecycle', sgd(momentum=0.9), 'OneCycleLR', {'max_lr': 1.0, 'total_steps': 30}),
    ('onecycle_epochs', sgd(momentum=0.9), 'OneCycleLR',
     {'max_lr': 0.5, 'epochs': 3, 'steps_per_epoch': 10, 'pct_start': 0.25, 'div_factor': 10.0, 'final_div_factor': 100.0}),
    ('onecycle_three_phase_linear', adam_two_groups(), 'OneCycleLR',
     {'max_lr': [0.4, 0.04], 'total_steps': 30, 'three_phase': True, 'anneal_strategy': 'linear'}),
    ('onecycle_three_phase_cos', sgd(momentum=0.9), 'OneCycleLR',
     {'max_lr': 0.3, 'total_steps': 35, 'three_phase': True, 'base_momentum': 0.8, 'max_momentum': 0.9}),
    ('onecycle_no_momentum', sgd(), 'OneCycleLR', {'max_lr': 0.3, 'total_steps': 30, 'cycle_momentum': False}),
    ('constant', sgd(), 'ConstantLR', {}),
    ('constant_two_groups', sgd_two_groups(), 'ConstantLR', {'factor': 0.5, 'total_iters': 8}),
    ('linear', sgd(), 'LinearLR', {}),
    ('linear_decay', sgd_two_groups(), 'LinearLR', {'start_factor': 1.0, 'end_factor': 0.1, 'total_iters': 12}),
    ('polynomial', sgd(), 'PolynomialLR', {}),
    ('polynomial_pow', sgd_two_groups(), 'PolynomialLR', {'total_iters': 20, 'power': 2.0}),
    ('cyclic_triangular', sgd(momentum=0.9), 'CyclicLR', {'base_lr': 0.01, 'max_lr': 0.1, 'step_size_up': 4}),
    ('cyclic_triangular2', sgd(momentum=0.9), 'CyclicLR',
     {'base_lr': 0.01, 'max_lr': 0.1, 'step_size_up': 3, 'step_size_down': 5, 'mode': 'triangular2'}),
    ('cyclic_exp_range', sgd_two_groups(momentum=0.9), 'CyclicLR',
     {'base_lr': [0.01, 0.001], 'max_lr': [0.1, 0.01], 'step_size_up': 5, 'mode': 'exp_range', 'gamma': 0.95,
      'base_momentum': 0.7, 'max_momentum': 0.95}),
    ('cyclic_no_momentum', sgd(), 'CyclicLR', {'base_lr': 0.01, 'max_lr': 0.1, 'step_size_up': 4, 'cycle_momentum': False}),
    ('warm_restarts', sgd(), 'CosineAnnealingWarmRestarts', {'T_0': 5}),
    ('warm_restarts_mult', sgd_two_groups(), 'CosineAnnealingWarmRestarts', {'T_0': 3, 'T_mult': 2, 'eta_min': 0.001}),
]
if torch.__version__ >= '2':
    SCHED_CASES.append(('cyclic_adam_beta1', adam_two_groups(), 'CyclicLR',
                        {'base_lr': 0.01, 'max_lr': 0.1, 'step_size_up': 4}))

# LambdaLR's functions, written identically in the test.
LAMBDA_CASES = [
    ('lambda_pow', sgd(), lambda e: 0.95 ** e),
    ('lambda_two', sgd_two_groups(), [lambda e: 1.0 / (e + 1), lambda e: e // 5 + 1]),
]


# Schedulers made of other schedulers or custom functions: built by name here and in the test.
def build_special(id, opt):
    S = lr_scheduler
    if id == 'cyclic_scale_fn':
        return S.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 0.9 ** x, scale_mode='iterations')
    if id == 'sequential':
        return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=4), S.ExponentialLR(opt, gamma=0.9)],
                              milestones=[5])
    if id == 'sequential_three':
        return S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=3), S.StepLR(opt, 4, gamma=0.5),
                                    S.CosineAnnealingLR(opt, T_max=6)], milestones=[6, 15])
    if id == 'chained':
        return S.ChainedScheduler([S.ConstantLR(opt, factor=0.1, total_iters=2), S.ExponentialLR(opt, gamma=0.9)])
    if id == 'chained_linear_step':
        return S.ChainedScheduler([S.LinearLR(opt, start_factor=0.2, total_iters=5), S.StepLR(opt, 7, gamma=0.3)])
    raise ValueError(id)


SPECIAL_CASES = [('cyclic_scale_fn', sgd(momentum=0.9)), ('sequential', sgd()), ('sequential_three', sgd_two_groups()),
                 ('chained', sgd()), ('chained_linear_step', sgd_two_groups())]


def run_warm_restarts_fractional():
    """step(epoch + i / iters) as the docs show, then an interleaved step(26) and plain steps."""
    out = []
    for kw in [{'T_0': 3}, {'T_0': 2, 'T_mult': 2, 'eta_min': 0.01}]:
        opt = sgd()()
        sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, **kw)
        epochs = [e + i / 4 for e in range(10) for i in range(4)] + [26, None, None, 3.5, None]
        lrs = []
        for e in epochs:
            sched.step(e) if e is not None else sched.step()
            lrs.append(sched.get_last_lr())
        out.append({'kwargs': kw, 'epochs': epochs, 'lrs': lrs, 'T_cur': sched.T_cur, 'T_i': sched.T_i,
                    'last_epoch': sched.last_epoch})
    return out


def run_schedulers():
    out = []
    for id, make_opt in SPECIAL_CASES:
        lrs, momenta = lr_run(make_opt, lambda o: build_special(id, o))
        out.append({'id': id, 'scheduler': 'special', 'kwargs': {}, 'lrs': lrs, 'momenta': momenta})
    for id, make_opt, name, kw in SCHED_CASES:
        lrs, momenta = lr_run(make_opt, lambda o: getattr(lr_scheduler, name)(o, **kw))
        out.append({'id': id, 'scheduler': name, 'kwargs': kw, 'lrs': lrs, 'momenta': momenta})
    for id, make_opt, fn in LAMBDA_CASES:
        lrs, momenta = lr_run(make_opt, lambda o: lr_scheduler.LambdaLR(o, fn))
        out.append({'id': id, 'scheduler': 'LambdaLR', 'kwargs': {}, 'lrs': lrs, 'momenta': momenta})
    return out


def run_step_lr_state_dict():
    opt = sgd()()
    sched = lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    for _ in range(6):
        opt.step()
        sched.step()
    return sched.state_dict()


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.91, 0.905, 0.89, 0.9, 0.9, 0.9, 0.88, 0.88, 0.88, 0.88, 0.87, 0.9,
                   0.9, 0.9, 0.9, 0.9, 0.9, 0.86, 0.86, 0.86, 0.86, 0.86, 0.86, 0.86, 0.86, 0.86, 0.86]
PLATEAU_CASES = [
    ('plateau_min_rel', {'mode': 'min', 'factor': 0.5, 'patience': 2, 'threshold': 0.01, 'cooldown': 1, 'min_lr': 0.01}),
    ('plateau_default', {}),
    ('plateau_max_abs', {'mode': 'max', 'factor': 0.3, 'patience': 1, 'threshold': 0.02, 'threshold_mode': 'abs',
                         'min_lr': [0.001, 0.002]}),
]


def run_plateau():
    out = []
    for id, kw in PLATEAU_CASES:
        opt = sgd_two_groups()() if isinstance(kw.get('min_lr'), list) else sgd(lr=1.0)()
        sched = lr_scheduler.ReduceLROnPlateau(opt, **kw)
        lrs = []
        for m in PLATEAU_METRICS:
            sched.step(m)
            lrs.append([g['lr'] for g in opt.param_groups])
        out.append({'id': id, 'kwargs': kw, 'lrs': lrs, 'num_bad_epochs': sched.num_bad_epochs,
                    'best': sched.best, 'cooldown_counter': sched.cooldown_counter, 'last_epoch': sched.last_epoch})
    return out


# ---- clip_grad ----------------------------------------------------------------------------------

def run_clip():
    out = []
    for max_norm, norm_type in [(0.5, 2.0), (100.0, 2.0), (0.05, 'inf'), (0.3, 1.0), (0.1, 3.0)]:
        p, x, y = fresh_params()
        mlp_loss(p, x, y).backward()
        nt = math.inf if norm_type == 'inf' else norm_type
        params = [p[k] for k in PARAM_NAMES]
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=nt)
        out.append({'max_norm': max_norm, 'norm_type': norm_type, 'total_norm': total.item(),
                    'grads': {k: p[k].grad.flatten().tolist() for k in PARAM_NAMES if p[k].grad is not None}})
    p, x, y = fresh_params()
    mlp_loss(p, x, y).backward()
    torch.nn.utils.clip_grad_value_([p[k] for k in PARAM_NAMES], 0.05)
    value = {'clip_value': 0.05, 'grads': {k: p[k].grad.flatten().tolist() for k in PARAM_NAMES if p[k].grad is not None}}
    return {'norm': out, 'value': value}


def main():
    losses = {'cases': [run_loss(c) for c in LOSS_CASES]}
    init, x, y = problem()
    optim = {
        'problem': {'params': {k: tj(v) for k, v in init.items()}, 'x': tj(x), 'y': tj(y), 'order': PARAM_NAMES},
        'optimizers': run_optim_cases(),
        'lbfgs': run_lbfgs_cases(),
        'lbfgs_float64': run_lbfgs_cases(LBFGS_FLOAT64_CASES, torch.float64),
        'warm_restarts_fractional': run_warm_restarts_fractional(),
        'param_groups': run_param_groups(),
        'state_dicts': run_state_dicts(),
        'schedulers': run_schedulers(),
        'step_lr_state_dict': run_step_lr_state_dict(),
        'plateau': {'metrics': PLATEAU_METRICS, 'cases': run_plateau()},
        'clip': run_clip(),
    }
    for name, data in [('losses.json', losses), ('optim.json', optim)]:
        path = fixture_path(name)
        with open(path, 'w') as f:
            json.dump(data, f)
        print(f'wrote {path} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
