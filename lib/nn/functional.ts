// torch.nn.functional: stateless forms of the layers, activations, attention and losses.
export * from './functional/layers';
export * from './functional/attention';
export * from './functional/loss';
