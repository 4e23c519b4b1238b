"""The chapter's three models in PyTorch, with the listings' bugs fixed and the architectures
kept. examples/models.ts is the TypeScript port; both must compute the same thing.

Fixes: the CNN listing used F without importing torch.nn.functional and needs 3x24x24 inputs
for its 64*6*6 flatten; the attention listing referenced an undefined encoder-decoder model
and broadcast shapes that cannot match, so its self-attention classifier is built here from
what it describes: token projection, self-attention, and attention pooling (a Linear scoring
each position, softmax, dropout, weighted sum) before the classifier.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class CNN(nn.Module):
    def __init__(self, in_channels=3, flat_size=64 * 6 * 6):
        super().__init__()
        self.flat_size = flat_size
        self.conv1 = nn.Conv2d(in_channels, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(flat_size, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, self.flat_size)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class LSTMClassifier(nn.Module):
    """The listing's "RNN": a 2-layer batch-first LSTM classifying from the last time step."""

    def __init__(self, input_size=10, hidden_size=8, num_layers=2, num_classes=2):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(x.device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(x.device)
        output, (hn, cn) = self.lstm(x, (h0, c0))
        return self.fc(output[:, -1, :])


class AttentionClassifier(nn.Module):
    def __init__(self, input_dim, embed_dim, num_heads, num_classes, seq_len, attn_dropout=0.1):
        super().__init__()
        self.attn_dropout = attn_dropout
        self.embed = nn.Linear(input_dim, embed_dim)
        self.pos = nn.Parameter(torch.zeros(1, seq_len, embed_dim))
        nn.init.normal_(self.pos, std=0.02)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
        self.norm = nn.LayerNorm(embed_dim)
        self.attn_dense = nn.Linear(embed_dim, 1)
        self.fc = nn.Linear(embed_dim, num_classes)

    def forward(self, x):
        h = self.embed(x) + self.pos
        a, _ = self.attn(h, h, h, need_weights=False)
        h = self.norm(h + a)
        scores = self.attn_dense(h).squeeze(-1)
        weights = F.softmax(scores, dim=-1)
        weights = F.dropout(weights, p=self.attn_dropout, training=self.training)
        pooled = (weights.unsqueeze(-1) * h).sum(dim=1)
        return self.fc(pooled)


def training_cases():
    """The training cases of the chapter's models: name -> (model factory, data factory,
    optimizer factory), run by gen_chapter_fixtures.py and cuda_oracle.py. tests/chapter_cases.ts
    mirrors each line."""
    return {
        "cnn": (
            lambda: CNN(),
            lambda: (torch.randn(16, 3, 24, 24), torch.randint(0, 10, (16,))),
            lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
        ),
        "lstm": (
            lambda: LSTMClassifier(10, 8, 2, 2),
            lambda: (torch.randn(16, 7, 10), torch.randint(0, 2, (16,))),
            lambda p: torch.optim.Adam(p, lr=0.01),
        ),
        "attention": (
            lambda: AttentionClassifier(10, 16, 4, 3, 6),
            lambda: (torch.randn(16, 6, 10), torch.randint(0, 3, (16,))),
            lambda p: torch.optim.Adam(p, lr=0.005),
        ),
    }
