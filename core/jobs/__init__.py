"""Jobs: the dramatiq broker, actors, the worker, the scheduler and dead letters."""
