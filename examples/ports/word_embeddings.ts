// pytorch/tutorials beginner_source/nlp/word_embeddings_tutorial.py ("Word Embeddings: Encoding
// Lexical Semantics", by Robert Guthrie), ported line by line: an nn.Embedding lookup, then the
// N-gram language model (Embedding → Linear → ReLU → Linear → log_softmax) trained on Shakespeare's
// Sonnet 2 with NLLLoss and SGD, and the data preparation of the CBOW exercise (its model is left
// to the reader in the tutorial, and so here). tests/ports.test.ts checks the embedding, every
// step's loss, the epoch totals, the final state_dict, the exercise's data and the printed lines
// against the PyTorch run of scripts/ports/word_embeddings.py, bit for bit.
//
// Source:  https://github.com/pytorch/tutorials/blob/016d0cc077f60c82b8497d4c7f92051ce40cafee/beginner_source/nlp/word_embeddings_tutorial.py
// License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/word_embeddings.py), marked "torchnode: <n>.":
//  0. the tutorial's prose (docstring, narrative comment blocks) left out.
//  1. the vocabulary numbered in sorted order (`enumerate(sorted(vocab))`): Python's order of a
//     set of strings changes from run to run (string hash randomisation), and with it the model.
//  2. values along the way kept (`kept`), and every step's loss in `step_losses`.
//  3. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: module(x) → module.forward(x), keyword
// arguments → a trailing options object, tuples → arrays, lists → list() of python.ts):
//  - The module-level program is the body of main(); the classes and the helper stay at module
//    level.
//  - torchnode has no torch.autograd.Variable (deprecated since PyTorch 0.4). In PyTorch,
//    Variable(t) returns t.detach() (python_legacy_variable.cpp), so autograd.Variable(t) →
//    t.detach().
//  - torch.Tensor([0]) → new torch.Tensor([0]) (a JavaScript class needs `new`); `total_loss +=
//    loss.data` → total_loss.add_(loss.data), the in-place __iadd__ Python runs for a tensor.
//  - The dicts word_to_ix → Maps (insertion-ordered like a dict), the sets vocab → Sets;
//    len(d) → d.size; sorted(vocab) → [...vocab].sort() (the same order: the words are ASCII);
//    """...""".split() → .split(/\s+/) (the text has no leading or trailing white space).
//  - List comprehensions → Array.from / map; `for context, target in trigrams` →
//    for (const [context, target] of trigrams).
//  - The exercise's empty CBOW class: a TypeScript subclass's constructor must call super(), where
//    Python's `__init__` is just `pass`.
//  - print() → the printer of examples/ports/python.ts (lists, tuples and dicts printed as Python
//    does).
import * as torch from '../../lib/index';
import { list, printer, type List, type PortRun } from './python';

const autograd = { Variable: (t: torch.Tensor): torch.Tensor => t.detach() };
const nn = torch.nn;
const F = torch.nn.functional;
const optim = torch.optim;
type Tensor = torch.Tensor;

export type WordEmbeddingsResults = Record<string, unknown>;

export class NGramLanguageModeler extends nn.Module {
  embeddings: torch.nn.Embedding;
  linear1: torch.nn.Linear;
  linear2: torch.nn.Linear;

  constructor(vocab_size: number, embedding_dim: number, context_size: number) {
    super();
    this.embeddings = new nn.Embedding(vocab_size, embedding_dim);
    this.linear1 = new nn.Linear(context_size * embedding_dim, 128);
    this.linear2 = new nn.Linear(128, vocab_size);
  }

  forward(inputs: Tensor): Tensor {
    const embeds = this.embeddings.forward(inputs).view([1, -1]);
    let out = F.relu(this.linear1.forward(embeds));
    out = this.linear2.forward(out);
    const log_probs = F.log_softmax(out, { dim: 1 });
    return log_probs;
  }
}

export class CBOW extends nn.Module {
  constructor() {
    super();
  }

  forward(_inputs: Tensor): void {
  }
}

// create your model and train.  here are some functions to help you make
// the data ready for use by your module

function make_context_vector(context: string[], word_to_ix: Map<string, number>): Tensor {
  const idxs = context.map((w) => word_to_ix.get(w)!);
  const tensor = torch.LongTensor(idxs);
  return autograd.Variable(tensor);
}

export function main(echo = false): PortRun<WordEmbeddingsResults> {
  const { print, stdout } = printer(echo);

  torch.manual_seed(1);
  const kept: Record<string, unknown> = {}; // torchnode: 2. values along the way

  // ####################################################################

  let word_to_ix = new Map([['hello', 0], ['world', 1]]);
  const embeds = new nn.Embedding(2, 5); // 2 words in vocab, 5 dimensional embeddings
  const lookup_tensor = torch.LongTensor([word_to_ix.get('hello')!]);
  const hello_embed = embeds.forward(autograd.Variable(lookup_tensor));
  print(hello_embed);
  kept.hello_embed = hello_embed.tolist(); // torchnode: 2.

  // ####################################################################
  // An Example: N-Gram Language Modeling
  // ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  // torchnode: 0. (the narrative comment block left out)

  let CONTEXT_SIZE = 2;
  const EMBEDDING_DIM = 10;
  // We will use Shakespeare Sonnet 2
  const test_sentence = `When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held:
Then being asked, where all thy beauty lies,
Where all the treasure of thy lusty days;
To say, within thine own deep sunken eyes,
Were an all-eating shame, and thriftless praise.
How much more praise deserv'd thy beauty's use,
If thou couldst answer 'This fair child of mine
Shall sum my count, and make my old excuse,'
Proving his beauty by succession thine!
This were to be new made when thou art old,
And see thy blood warm when thou feel'st it cold.`.split(/\s+/);
  // we should tokenize the input, but we will ignore that for now
  // build a list of tuples.  Each tuple is ([ word_i-2, word_i-1 ], target word)
  const trigrams: List<[List<string>, string]> = list(Array.from({ length: test_sentence.length - 2 },
    (_, i): [List<string>, string] => [list([test_sentence[i], test_sentence[i + 1]]), test_sentence[i + 2]]));
  // print the first 3, just so you can see what they look like
  print(trigrams.slice(0, 3));

  let vocab = new Set(test_sentence);
  word_to_ix = new Map([...vocab].sort().map((word, i) => [word, i])); // torchnode: 1. sorted
  kept.ngram_word_to_ix = Object.fromEntries(word_to_ix); // torchnode: 2.

  const losses: List<Tensor> = list([]);
  const loss_function = new nn.NLLLoss();
  const model = new NGramLanguageModeler(vocab.size, EMBEDDING_DIM, CONTEXT_SIZE);
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.001 });

  const step_losses: number[] = []; // torchnode: 2. every step's loss
  let log_probs!: Tensor;
  for (let epoch = 0; epoch < 10; epoch++) {
    const total_loss = new torch.Tensor([0]);
    for (const [context, target] of trigrams) {

      // Step 1. Prepare the inputs to be passed to the model (i.e, turn the words
      // into integer indices and wrap them in variables)
      const context_idxs = context.map((w) => word_to_ix.get(w)!);
      const context_var = autograd.Variable(torch.LongTensor(context_idxs));

      // Step 2. Recall that torch *accumulates* gradients. Before passing in a
      // new instance, you need to zero out the gradients from the old
      // instance
      model.zero_grad();

      // Step 3. Run the forward pass, getting log probabilities over next
      // words
      log_probs = model.forward(context_var);

      // Step 4. Compute your loss function. (Again, Torch wants the target
      // word wrapped in a variable)
      const loss = loss_function.forward(log_probs, autograd.Variable(
        torch.LongTensor([word_to_ix.get(target)!])));
      step_losses.push(loss.item() as number); // torchnode: 2.

      // Step 5. Do the backward pass and update the gradient
      loss.backward();
      optimizer.step();

      total_loss.add_(loss.data);
    }
    losses.push(total_loss);
  }
  print(losses); // The loss decreased every iteration over the training data!
  kept.log_probs = log_probs.tolist(); // torchnode: 2. the last step's output
  kept.state_dict = Object.fromEntries(Object.entries(model.state_dict()).map(([k, v]) => [k, v.tolist()])); // torchnode: 2.

  // ####################################################################
  // Exercise: Computing Word Embeddings: Continuous Bag-of-Words
  // ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  // torchnode: 0. (the narrative comment block left out)

  CONTEXT_SIZE = 2; // 2 words to the left, 2 to the right
  const raw_text = `We are about to study the idea of a computational process.
Computational processes are abstract beings that inhabit computers.
As they evolve, processes manipulate other abstract things called data.
The evolution of a process is directed by a pattern of rules
called a program. People create programs to direct processes. In effect,
we conjure the spirits of the computer with our spells.`.split(/\s+/);

  // By deriving a set from `raw_text`, we deduplicate the array
  vocab = new Set(raw_text);
  const vocab_size = vocab.size;

  word_to_ix = new Map([...vocab].sort().map((word, i) => [word, i])); // torchnode: 1. sorted
  const data: List<[List<string>, string]> = list([]);
  for (let i = 2; i < raw_text.length - 2; i++) {
    const context = list([raw_text[i - 2], raw_text[i - 1],
      raw_text[i + 1], raw_text[i + 2]]);
    const target = raw_text[i];
    data.push([context, target]);
  }
  print(data.slice(0, 5));

  const example = make_context_vector(data[0][0], word_to_ix); // example  // torchnode: 2. kept as `example`

  // torchnode: 3. the values the port is compared on
  const results: WordEmbeddingsResults = {
    ...kept,
    step_losses,
    losses: losses.map((l) => l.tolist()),
    vocab_size,
    word_to_ix: Object.fromEntries(word_to_ix),
    data,
    example: example.tolist(),
  };
  return { stdout, results };
}

if (require.main === module) main(true);
