// pytorch/tutorials beginner_source/nlp/sequence_models_tutorial.py ("Sequence Models and
// Long-Short Term Memory Networks", by Robert Guthrie), ported line by line: an nn.LSTM stepped
// one element at a time and then over the whole sequence, and the LSTM part-of-speech tagger
// (Embedding → LSTM → Linear → log_softmax) trained 300 epochs with NLLLoss and SGD.
// tests/ports.test.ts checks the LSTM outputs, every step's loss, the tag scores, the final
// state_dict and the printed lines against the PyTorch run of scripts/ports/sequence_models.py,
// bit for bit.
//
// Source:  https://github.com/pytorch/tutorials/blob/f77e1c2c11be5d612ed9adbc73a8b82904162c23/beginner_source/nlp/sequence_models_tutorial.py
// License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/sequence_models.py), marked "torchnode: <n>.":
//  0. the tutorial's prose (docstring, narrative comment block, closing exercise) left out.
//  1. every step's loss kept in `losses`. 2. the scores before training kept as
//  `tag_scores_before`. 3. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: module(x) → module.forward(x), keyword
// arguments → a trailing options object, tuples → arrays):
//  - The module-level program is the body of main(); the class stays at module level.
//  - torchnode has no torch.autograd.Variable (deprecated since PyTorch 0.4). In PyTorch,
//    Variable(t) returns t.detach() (python_legacy_variable.cpp), so autograd.Variable(t) →
//    t.detach().
//  - len(tensor) → tensor.size(0); len(list) → list.length.
//  - `[... for _ in range(5)]` → Array.from({ length: 5 }, ...).
//  - The dicts word_to_ix and tag_to_ix → Maps (insertion-ordered like a dict; `w not in d` →
//    !d.has(w)); "...".split() → .split(' ') (the sentences have single spaces).
//  - `for sent, tags in training_data` → for (const [sent, tags] of training_data).
//  - print() → the printer of examples/ports/python.ts (tuples and dicts printed as Python does).
import * as torch from '../../lib/index';
import { printer, type PortRun } from './python';

const autograd = { Variable: (t: torch.Tensor): torch.Tensor => t.detach() };
const nn = torch.nn;
const F = torch.nn.functional;
const optim = torch.optim;
type Tensor = torch.Tensor;

export interface SequenceModelsResults {
  out: number[][][];
  hidden: number[][][][];
  word_to_ix: Record<string, number>;
  tag_scores_before: number[][];
  losses: number[];
  tag_scores: number[][];
  state_dict: Record<string, unknown>;
}

function prepare_sequence(seq: string[], to_ix: Map<string, number>): Tensor {
  const idxs = seq.map((w) => to_ix.get(w)!);
  const tensor = torch.LongTensor(idxs);
  return autograd.Variable(tensor);
}

export class LSTMTagger extends nn.Module {
  hidden_dim: number;
  word_embeddings: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  hidden2tag: torch.nn.Linear;
  hidden: [Tensor, Tensor];

  constructor(embedding_dim: number, hidden_dim: number, vocab_size: number, tagset_size: number) {
    super();
    this.hidden_dim = hidden_dim;

    this.word_embeddings = new nn.Embedding(vocab_size, embedding_dim);

    // The LSTM takes word embeddings as inputs, and outputs hidden states
    // with dimensionality hidden_dim.
    this.lstm = new nn.LSTM(embedding_dim, hidden_dim);

    // The linear layer that maps from hidden state space to tag space
    this.hidden2tag = new nn.Linear(hidden_dim, tagset_size);
    this.hidden = this.init_hidden();
  }

  init_hidden(): [Tensor, Tensor] {
    // Before we've done anything, we dont have any hidden state.
    // Refer to the Pytorch documentation to see exactly
    // why they have this dimensionality.
    // The axes semantics are (num_layers, minibatch_size, hidden_dim)
    return [autograd.Variable(torch.zeros(1, 1, this.hidden_dim)),
      autograd.Variable(torch.zeros(1, 1, this.hidden_dim))];
  }

  forward(sentence: Tensor): Tensor {
    const embeds = this.word_embeddings.forward(sentence);
    let lstm_out: Tensor;
    [lstm_out, this.hidden] = this.lstm.forward(
      embeds.view(sentence.size(0), 1, -1), this.hidden);
    const tag_space = this.hidden2tag.forward(lstm_out.view(sentence.size(0), -1));
    const tag_scores = F.log_softmax(tag_space, { dim: 1 });
    return tag_scores;
  }
}

export function main(echo = false): PortRun<SequenceModelsResults> {
  const { print, stdout } = printer(echo);

  torch.manual_seed(1);

  // ####################################################################

  const lstm = new nn.LSTM(3, 3); // Input dim is 3, output dim is 3
  let inputs: Tensor | Tensor[] = Array.from({ length: 5 }, () => autograd.Variable(torch.randn([1, 3]))); // make a sequence of length 5

  // initialize the hidden state.
  let hidden: [Tensor, Tensor] = [autograd.Variable(torch.randn(1, 1, 3)),
    autograd.Variable(torch.randn([1, 1, 3]))];
  let out: Tensor;
  for (const i of inputs) {
    // Step through the sequence one element at a time.
    // after each step, hidden contains the hidden state.
    [out, hidden] = lstm.forward(i.view(1, 1, -1), hidden);
  }

  // alternatively, we can do the entire sequence all at once.
  // the first value returned by LSTM is all of the hidden states throughout
  // the sequence. the second is just the most recent hidden state
  // (compare the last slice of "out" with "hidden" below, they are the same)
  // The reason for this is that:
  // "out" will give you access to all hidden states in the sequence
  // "hidden" will allow you to continue the sequence and backpropagate,
  // by passing it as an argument  to the lstm at a later time
  // Add the extra 2nd dimension
  inputs = torch.cat(inputs).view(inputs.length, 1, -1);
  hidden = [autograd.Variable(torch.randn(1, 1, 3)), autograd.Variable(
    torch.randn([1, 1, 3]))]; // clean out hidden state
  [out, hidden] = lstm.forward(inputs, hidden);
  print(out);
  print(hidden);

  // ####################################################################
  // Example: An LSTM for Part-of-Speech Tagging
  // ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  //
  // Prepare data:

  const training_data: [string[], string[]][] = [
    ['The dog ate the apple'.split(' '), ['DET', 'NN', 'V', 'DET', 'NN']],
    ['Everybody read that book'.split(' '), ['NN', 'V', 'DET', 'NN']],
  ];
  const word_to_ix = new Map<string, number>();
  for (const [sent] of training_data) {
    for (const word of sent) {
      if (!word_to_ix.has(word)) {
        word_to_ix.set(word, word_to_ix.size);
      }
    }
  }
  print(word_to_ix);
  const tag_to_ix = new Map([['DET', 0], ['NN', 1], ['V', 2]]);

  // These will usually be more like 32 or 64 dimensional.
  // We will keep them small, so we can see how the weights change as we train.
  const EMBEDDING_DIM = 6;
  const HIDDEN_DIM = 6;

  // ####################################################################
  // Train the model:

  const model = new LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, word_to_ix.size, tag_to_ix.size);
  const loss_function = new nn.NLLLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });

  // See what the scores are before training
  // Note that element i,j of the output is the score for tag j for word i.
  inputs = prepare_sequence(training_data[0][0], word_to_ix);
  let tag_scores = model.forward(inputs);
  print(tag_scores);
  const tag_scores_before = tag_scores; // torchnode: 2.

  const losses: number[] = []; // torchnode: 1. every step's loss
  for (let epoch = 0; epoch < 300; epoch++) { // again, normally you would NOT do 300 epochs, it is toy data
    for (const [sentence, tags] of training_data) {
      // Step 1. Remember that Pytorch accumulates gradients.
      // We need to clear them out before each instance
      model.zero_grad();

      // Also, we need to clear out the hidden state of the LSTM,
      // detaching it from its history on the last instance.
      model.hidden = model.init_hidden();

      // Step 2. Get our inputs ready for the network, that is, turn them into
      // Variables of word indices.
      const sentence_in = prepare_sequence(sentence, word_to_ix);
      const targets = prepare_sequence(tags, tag_to_ix);

      // Step 3. Run our forward pass.
      tag_scores = model.forward(sentence_in);

      // Step 4. Compute the loss, gradients, and update the parameters by
      //  calling optimizer.step()
      const loss = loss_function.forward(tag_scores, targets);
      losses.push(loss.item() as number); // torchnode: 1.
      loss.backward();
      optimizer.step();
    }
  }

  // See what the scores are after training
  inputs = prepare_sequence(training_data[0][0], word_to_ix);
  tag_scores = model.forward(inputs);
  // The sentence is "the dog ate the apple".  i,j corresponds to score for tag j
  //  for word i. The predicted tag is the maximum scoring tag.
  // Here, we can see the predicted sequence below is 0 1 2 0 1
  // since 0 is index of the maximum value of row 1,
  // 1 is the index of maximum value of row 2, etc.
  // Which is DET NOUN VERB DET NOUN, the correct sequence!
  print(tag_scores);

  // torchnode: 3. the values the port is compared on
  const results: SequenceModelsResults = {
    out: out.tolist() as number[][][],
    hidden: hidden.map((h) => h.tolist() as number[][][]),
    word_to_ix: Object.fromEntries(word_to_ix),
    tag_scores_before: tag_scores_before.tolist() as number[][],
    losses,
    tag_scores: tag_scores.tolist() as number[][],
    state_dict: Object.fromEntries(Object.entries(model.state_dict()).map(([k, v]) => [k, v.tolist()])),
  };
  return { stdout, results };
}

if (require.main === module) main(true);
