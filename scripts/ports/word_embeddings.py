# The oracle for examples/ports/word_embeddings.ts: pytorch/tutorials
# beginner_source/nlp/word_embeddings_tutorial.py ("Word Embeddings: Encoding Lexical Semantics":
# an nn.Embedding lookup, the N-gram language model trained with NLLLoss and SGD, and the data
# preparation of the CBOW exercise), run as is apart from the changes listed below.
# scripts/ports/gen_ports_fixtures.py runs it under each PyTorch and writes what it printed and
# PORT_RESULTS to tests/fixtures/torch-<ver>/ports/word_embeddings.json.
#
# Source:  https://github.com/pytorch/tutorials/blob/016d0cc077f60c82b8497d4c7f92051ce40cafee/beginner_source/nlp/word_embeddings_tutorial.py
# Commit:  016d0cc077f60c82b8497d4c7f92051ce40cafee (pytorch/tutorials)
# License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
# Author:  Robert Guthrie
#
# Changes (each marked "# torchnode:" below):
#  0. the tutorial's prose is left out: the module docstring and the narrative comment blocks of
#     the N-gram example and of the CBOW exercise, none of which holds code (the section titles
#     stay). The code and its own comments are as in the source. The exercise's CBOW class is
#     the tutorial's empty skeleton, as given. (Already seeded: torch.manual_seed(1).)
#  1. the vocabulary is numbered in sorted order: `enumerate(vocab)` → `enumerate(sorted(vocab))`
#     (twice). `vocab` is a set of strings, whose order in Python changes from run to run with
#     string hash randomisation (PYTHONHASHSEED), so the original numbers the words differently,
#     and so trains a differently initialised model, each time it runs.
#  2. values along the way are kept (`kept`), and the loss of every training step in
#     `step_losses`, to compare the whole run.
#  3. PORT_RESULTS at the end: the values the port is compared on.

# Author: Robert Guthrie

import torch
import torch.autograd as autograd
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)
kept = {}  # torchnode: 2. values along the way

######################################################################

word_to_ix = {"hello": 0, "world": 1}
embeds = nn.Embedding(2, 5)  # 2 words in vocab, 5 dimensional embeddings
lookup_tensor = torch.LongTensor([word_to_ix["hello"]])
hello_embed = embeds(autograd.Variable(lookup_tensor))
print(hello_embed)
kept['hello_embed'] = hello_embed.tolist()  # torchnode: 2.


######################################################################
# An Example: N-Gram Language Modeling
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
# torchnode: 0. (the narrative comment block left out)

CONTEXT_SIZE = 2
EMBEDDING_DIM = 10
# We will use Shakespeare Sonnet 2
test_sentence = """When forty winters shall besiege thy brow,
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
And see thy blood warm when thou feel'st it cold.""".split()
# we should tokenize the input, but we will ignore that for now
# build a list of tuples.  Each tuple is ([ word_i-2, word_i-1 ], target word)
trigrams = [([test_sentence[i], test_sentence[i + 1]], test_sentence[i + 2])
            for i in range(len(test_sentence) - 2)]
# print the first 3, just so you can see what they look like
print(trigrams[:3])

vocab = set(test_sentence)
word_to_ix = {word: i for i, word in enumerate(sorted(vocab))}  # torchnode: 1. sorted
kept['ngram_word_to_ix'] = word_to_ix  # torchnode: 2.


class NGramLanguageModeler(nn.Module):

    def __init__(self, vocab_size, embedding_dim, context_size):
        super(NGramLanguageModeler, self).__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 128)
        self.linear2 = nn.Linear(128, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        out = F.relu(self.linear1(embeds))
        out = self.linear2(out)
        log_probs = F.log_softmax(out, dim=1)
        return log_probs


losses = []
loss_function = nn.NLLLoss()
model = NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE)
optimizer = optim.SGD(model.parameters(), lr=0.001)

step_losses = []  # torchnode: 2. every step's loss
for epoch in range(10):
    total_loss = torch.Tensor([0])
    for context, target in trigrams:

        # Step 1. Prepare the inputs to be passed to the model (i.e, turn the words
        # into integer indices and wrap them in variables)
        context_idxs = [word_to_ix[w] for w in context]
        context_var = autograd.Variable(torch.LongTensor(context_idxs))

        # Step 2. Recall that torch *accumulates* gradients. Before passing in a
        # new instance, you need to zero out the gradients from the old
        # instance
        model.zero_grad()

        # Step 3. Run the forward pass, getting log probabilities over next
        # words
        log_probs = model(context_var)

        # Step 4. Compute your loss function. (Again, Torch wants the target
        # word wrapped in a variable)
        loss = loss_function(log_probs, autograd.Variable(
            torch.LongTensor([word_to_ix[target]])))
        step_losses.append(loss.item())  # torchnode: 2.

        # Step 5. Do the backward pass and update the gradient
        loss.backward()
        optimizer.step()

        total_loss += loss.data
    losses.append(total_loss)
print(losses)  # The loss decreased every iteration over the training data!
kept['log_probs'] = log_probs.tolist()  # torchnode: 2. the last step's output
kept['state_dict'] = {k: v.tolist() for k, v in model.state_dict().items()}  # torchnode: 2.


######################################################################
# Exercise: Computing Word Embeddings: Continuous Bag-of-Words
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
# torchnode: 0. (the narrative comment block left out)

CONTEXT_SIZE = 2  # 2 words to the left, 2 to the right
raw_text = """We are about to study the idea of a computational process.
Computational processes are abstract beings that inhabit computers.
As they evolve, processes manipulate other abstract things called data.
The evolution of a process is directed by a pattern of rules
called a program. People create programs to direct processes. In effect,
we conjure the spirits of the computer with our spells.""".split()

# By deriving a set from `raw_text`, we deduplicate the array
vocab = set(raw_text)
vocab_size = len(vocab)

word_to_ix = {word: i for i, word in enumerate(sorted(vocab))}  # torchnode: 1. sorted
data = []
for i in range(2, len(raw_text) - 2):
    context = [raw_text[i - 2], raw_text[i - 1],
               raw_text[i + 1], raw_text[i + 2]]
    target = raw_text[i]
    data.append((context, target))
print(data[:5])


class CBOW(nn.Module):

    def __init__(self):
        pass

    def forward(self, inputs):
        pass

# create your model and train.  here are some functions to help you make
# the data ready for use by your module


def make_context_vector(context, word_to_ix):
    idxs = [word_to_ix[w] for w in context]
    tensor = torch.LongTensor(idxs)
    return autograd.Variable(tensor)


example = make_context_vector(data[0][0], word_to_ix)  # example  # torchnode: 2. kept as `example`

# torchnode: 3. the values the port is compared on
PORT_RESULTS = {
    **kept,
    'step_losses': step_losses,
    'losses': [l.tolist() for l in losses],
    'vocab_size': vocab_size,
    'word_to_ix': word_to_ix,
    'data': data,
    'example': example.tolist(),
}
