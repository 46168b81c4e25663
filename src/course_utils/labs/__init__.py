"""What the labs compute with: the synthetic data sets and the small domain helpers.

* :mod:`course_utils.labs.datasets` -- one module per data set, each with its data card;
* :mod:`course_utils.labs.raci`, :mod:`~course_utils.labs.skills_profiles`,
  :mod:`~course_utils.labs.stack_inventory`, :mod:`~course_utils.labs.job_ads`,
  :mod:`~course_utils.labs.time_allocation`, :mod:`~course_utils.labs.career_plan`,
  :mod:`~course_utils.labs.service_profit` -- the domain helpers of the chapters;
* :mod:`course_utils.labs.tables` -- the input checks the helpers share.
"""
