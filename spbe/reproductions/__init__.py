"""spbe's own named reproductions (see :mod:`spbe.reproduce`); one module per reproduction."""
