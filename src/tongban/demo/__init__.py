"""Demo city: seeds a Shanghai-like city (regions, departments, staff, citizens, enterprises)
for `tongban demo` and `tongban seed`. Sits above every context and uses only their services."""
