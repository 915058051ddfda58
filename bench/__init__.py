"""Benchmarks of Gongzhi (`make bench`): generated demands, floor views, load runs. Not part of the app."""
