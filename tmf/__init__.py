"""TM Forum resource models (pydantic), shared by api, workflows, activities and decomposition.

Pure data: no I/O, safe to import inside the Temporal workflow sandbox.
"""
