"""The network: a plain stack of 3x3 convolutions, small enough to train on two CPU cores in minutes.

Four stride-2 stages take 160x160 down to 10x10; global average pooling makes the prediction independent of where
in the photo the sign is. No depthwise convolutions: on CPUs with few threads, dense 3x3 convolutions run
closer to peak than their lower FLOP count suggests for depthwise ones. The last two stages are wider (96, 192)
than the first v2's (64, 128), which levelled off at 95.6 % training accuracy (README, Results).
"""

import torch
from torch import nn

INPUT_SIZE = 160
# The preprocessing the metadata declares: scale 1/255, then (x - 0.5) / 0.5 per channel.
MEAN = 0.5
STD = 0.5


def conv_bn_relu(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SignNet(nn.Module):
    def __init__(self, num_classes, widths=(16, 32, 96, 192)):
        super().__init__()
        layers, cin = [], 3
        for w in widths:
            layers += [conv_bn_relu(cin, w, 2), conv_bn_relu(w, w)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x)).flatten(1)
        return self.fc(self.dropout(x))


def normalize(batch_uint8_nchw):
    return (batch_uint8_nchw.float() / 255.0 - MEAN) / STD


def set_threads(n):
    torch.set_num_threads(n)
