"""The pure core: no sockets, no clocks, no threads. Time is always an argument."""
