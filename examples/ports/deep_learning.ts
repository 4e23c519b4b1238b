// pytorch/tutorials beginner_source/nlp/deep_learning_tutorial.py ("Deep Learning with PyTorch",
// by Robert Guthrie), ported line by line: an affine map, ReLU, softmax and log_softmax, then the
// logistic-regression bag-of-words classifier (English or Spanish) trained 100 epochs with
// NLLLoss and SGD. tests/ports.test.ts checks every printed value, every step's loss and the
// final state_dict against the PyTorch run of scripts/ports/deep_learning.py, bit for bit.
//
// Source:  https://github.com/pytorch/tutorials/blob/016d0cc077f60c82b8497d4c7f92051ce40cafee/beginner_source/nlp/deep_learning_tutorial.py
// License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/deep_learning.py), marked "torchnode: <n>.":
//  0. the tutorial's prose (docstring, narrative comment blocks) left out.
//  1. the printed values also kept (`kept`), and every step's loss in `losses`.
//  2. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: module(x) → module.forward(x), keyword
// arguments → a trailing options object, tuples → arrays, x[:, j] → x.index(':', j)):
//  - The module-level program is the body of main(); the class and the helpers stay at module
//    level.
//  - torchnode has no torch.autograd.Variable (deprecated since PyTorch 0.4). In PyTorch,
//    Variable(t) returns t.detach() (python_legacy_variable.cpp), so autograd.Variable(t) →
//    t.detach().
//  - `vec[i] += 1` → vec.index_put_([i], vec.index(i).add_(1)): what Python runs for it
//    (__getitem__, in-place __iadd__ on that view, __setitem__ back).
//  - next(model.parameters()) → model.parameters()[0]: torchnode's parameters() is an array.
//  - The dicts word_to_ix, label_to_ix → Maps (insertion-ordered like a dict; `w not in d` →
//    !d.has(w); len(d) → d.size); `data + test_data` → [...data, ...test_data];
//    "...".split() → .split(' ') (the sentences have single spaces).
//  - The training list `data` → `train_data`: Python rebinds `data` from a tensor to that list,
//    and a TypeScript variable keeps one type.
//  - print() → the printer of examples/ports/python.ts (dicts printed as Python does).
import * as torch from '../../lib/index';
import { printer, type PortRun } from './python';

const autograd = { Variable: (t: torch.Tensor): torch.Tensor => t.detach() };
const nn = torch.nn;
const F = torch.nn.functional;
const optim = torch.optim;
type Tensor = torch.Tensor;

export type DeepLearningResults = Record<string, unknown>;

export class BoWClassifier extends nn.Module { // inheriting from nn.Module!
  linear: torch.nn.Linear;

  constructor(num_labels: number, vocab_size: number) {
    // calls the init function of nn.Module.  Dont get confused by syntax,
    // just always do it in an nn.Module
    super();

    // Define the parameters that you will need.  In this case, we need A and b,
    // the parameters of the affine mapping.
    // Torch defines nn.Linear(), which provides the affine map.
    // Make sure you understand why the input dimension is vocab_size
    // and the output is num_labels!
    this.linear = new nn.Linear(vocab_size, num_labels);

    // NOTE! The non-linearity log softmax does not have parameters! So we don't need
    // to worry about that here
  }

  forward(bow_vec: Tensor): Tensor {
    // Pass the input through the linear layer,
    // then pass that through log_softmax.
    // Many non-linearities and other functions are in torch.nn.functional
    return F.log_softmax(this.linear.forward(bow_vec), { dim: 1 });
  }
}

function make_bow_vector(sentence: string[], word_to_ix: Map<string, number>): Tensor {
  const vec = torch.zeros(word_to_ix.size);
  for (const word of sentence) {
    vec.index_put_([word_to_ix.get(word)!], vec.index(word_to_ix.get(word)!).add_(1));
  }
  return vec.view(1, -1);
}

function make_target(label: string, label_to_ix: Map<string, number>): Tensor {
  return torch.LongTensor([label_to_ix.get(label)!]);
}

export function main(echo = false): PortRun<DeepLearningResults> {
  const { print, stdout } = printer(echo);

  torch.manual_seed(1);
  const kept: Record<string, unknown> = {}; // torchnode: 1. values printed along the way

  // ####################################################################

  const lin = new nn.Linear(5, 3); // maps from R^5 to R^3, parameters A, b
  // data is 2x5.  A maps from 5 to 3... can we map "data" under A?
  let data: Tensor = autograd.Variable(torch.randn(2, 5));
  print(lin.forward(data)); // yes
  kept['lin(data)'] = lin.forward(data).tolist(); // torchnode: 1.

  // ####################################################################
  // Non-Linearities
  // ~~~~~~~~~~~~~~~

  // In pytorch, most non-linearities are in torch.functional (we have it imported as F)
  // Note that non-linearites typically don't have parameters like affine maps do.
  // That is, they don't have weights that are updated during training.
  data = autograd.Variable(torch.randn(2, 2));
  print(data);
  print(F.relu(data));
  kept.relu = F.relu(data).tolist(); // torchnode: 1.

  // ####################################################################
  // Softmax and Probabilities
  // ~~~~~~~~~~~~~~~~~~~~~~~~~

  // Softmax is also in torch.nn.functional
  data = autograd.Variable(torch.randn(5));
  print(data);
  print(F.softmax(data, { dim: 0 }));
  print(F.softmax(data, { dim: 0 }).sum()); // Sums to 1 because it is a distribution!
  print(F.log_softmax(data, { dim: 0 })); // theres also log_softmax
  kept.softmax = F.softmax(data, { dim: 0 }).tolist(); // torchnode: 1.
  kept['softmax.sum'] = F.softmax(data, { dim: 0 }).sum().item(); // torchnode: 1.
  kept.log_softmax = F.log_softmax(data, { dim: 0 }).tolist(); // torchnode: 1.

  // ####################################################################
  // Example: Logistic Regression Bag-of-Words classifier
  // ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

  const train_data: [string[], string][] = [
    ['me gusta comer en la cafeteria'.split(' '), 'SPANISH'],
    ['Give it to me'.split(' '), 'ENGLISH'],
    ['No creo que sea una buena idea'.split(' '), 'SPANISH'],
    ['No it is not a good idea to get lost at sea'.split(' '), 'ENGLISH'],
  ];

  const test_data: [string[], string][] = [
    ['Yo creo que si'.split(' '), 'SPANISH'],
    ['it is lost on me'.split(' '), 'ENGLISH'],
  ];

  // word_to_ix maps each word in the vocab to a unique integer, which will be its
  // index into the Bag of words vector
  const word_to_ix = new Map<string, number>();
  for (const [sent] of [...train_data, ...test_data]) {
    for (const word of sent) {
      if (!word_to_ix.has(word)) {
        word_to_ix.set(word, word_to_ix.size);
      }
    }
  }
  print(word_to_ix);

  const VOCAB_SIZE = word_to_ix.size;
  const NUM_LABELS = 2;

  const model = new BoWClassifier(NUM_LABELS, VOCAB_SIZE);

  // the model knows its parameters.  The first output below is A, the second is b.
  // Whenever you assign a component to a class variable in the __init__ function
  // of a module, which was done with the line
  // self.linear = nn.Linear(...)
  // Then through some Python magic from the Pytorch devs, your module
  // (in this case, BoWClassifier) will store knowledge of the nn.Linear's parameters
  for (const param of model.parameters()) {
    print(param);
  }
  kept.initial = model.parameters().map((p) => p.tolist()); // torchnode: 1.

  // To run the model, pass in a BoW vector, but wrapped in an autograd.Variable
  const sample = train_data[0];
  const bow_vector = make_bow_vector(sample[0], word_to_ix);
  let log_probs = model.forward(autograd.Variable(bow_vector));
  print(log_probs);
  kept.bow_vector = bow_vector.tolist(); // torchnode: 1.
  kept.log_probs = log_probs.tolist(); // torchnode: 1.

  // ####################################################################
  // Which of the above values corresponds to the log probability of ENGLISH,
  // and which to SPANISH? We never defined it, but we need to if we want to
  // train the thing.
  //

  const label_to_ix = new Map([['SPANISH', 0], ['ENGLISH', 1]]);

  // ####################################################################
  // So lets train!

  // Run on test data before we train, just to see a before-and-after
  kept.test_before = []; // torchnode: 1.
  for (const [instance] of test_data) {
    const bow_vec = autograd.Variable(make_bow_vector(instance, word_to_ix));
    log_probs = model.forward(bow_vec);
    print(log_probs);
    (kept.test_before as unknown[]).push(log_probs.tolist()); // torchnode: 1.
  }

  // Print the matrix column corresponding to "creo"
  print(model.parameters()[0].index(':', word_to_ix.get('creo')!));
  kept.creo_before = model.parameters()[0].index(':', word_to_ix.get('creo')!).tolist(); // torchnode: 1.

  const loss_function = new nn.NLLLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });

  // Usually you want to pass over the training data several times.
  // 100 is much bigger than on a real data set, but real datasets have more than
  // two instances.  Usually, somewhere between 5 and 30 epochs is reasonable.
  const losses: number[] = []; // torchnode: 1. every step's loss
  for (let epoch = 0; epoch < 100; epoch++) {
    for (const [instance, label] of train_data) {
      // Step 1. Remember that Pytorch accumulates gradients.
      // We need to clear them out before each instance
      model.zero_grad();

      // Step 2. Make our BOW vector and also we must wrap the target in a
      // Variable as an integer. For example, if the target is SPANISH, then
      // we wrap the integer 0. The loss function then knows that the 0th
      // element of the log probabilities is the log probability
      // corresponding to SPANISH
      const bow_vec = autograd.Variable(make_bow_vector(instance, word_to_ix));
      const target = autograd.Variable(make_target(label, label_to_ix));

      // Step 3. Run our forward pass.
      log_probs = model.forward(bow_vec);

      // Step 4. Compute the loss, gradients, and update the parameters by
      // calling optimizer.step()
      const loss = loss_function.forward(log_probs, target);
      losses.push(loss.item() as number); // torchnode: 1.
      loss.backward();
      optimizer.step();
    }
  }

  kept.test_after = []; // torchnode: 1.
  for (const [instance] of test_data) {
    const bow_vec = autograd.Variable(make_bow_vector(instance, word_to_ix));
    log_probs = model.forward(bow_vec);
    print(log_probs);
    (kept.test_after as unknown[]).push(log_probs.tolist()); // torchnode: 1.
  }

  // Index corresponding to Spanish goes up, English goes down!
  print(model.parameters()[0].index(':', word_to_ix.get('creo')!));
  kept.creo_after = model.parameters()[0].index(':', word_to_ix.get('creo')!).tolist(); // torchnode: 1.

  // torchnode: 2. the values the port is compared on
  const results: DeepLearningResults = {
    ...kept,
    word_to_ix: Object.fromEntries(word_to_ix),
    losses,
    state_dict: Object.fromEntries(Object.entries(model.state_dict()).map(([k, v]) => [k, v.tolist()])),
  };
  return { stdout, results };
}

if (require.main === module) main(true);
