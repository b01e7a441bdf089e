import os.path as osp
import re
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Requirements of requirements/<name>.txt, comments stripped."""
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = [re.sub(r'\s*#.*$', '', line).strip() for line in f]
    return [line for line in lines if line]


def read_version():
    with open(osp.join(HERE, 'udaplug', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='udaplug',
    version=read_version(),
    description='Unsupervised domain adaptation for semantic segmentation '
    'on MMSegmentation 1.x and MMEngine',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.9',
    # torch and torchvision are declared without pins here: which build to
    # use (CPU, CUDA version) is the user's choice, see README.
    install_requires=['torch', 'torchvision'] +
    read_requirements('runtime.txt'),
    extras_require=dict(tests=read_requirements('tests.txt')),
    license='Apache License 2.0',
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False)
