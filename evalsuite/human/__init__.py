"""Human-rating statistics: validation, aggregation, simulation. No torch, no networks."""
