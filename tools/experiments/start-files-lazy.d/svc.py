# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A service whose start reads many files: tools/experiments/start-files-lazy.

  python3 svc.py PORT

Imports a good part of the standard library, as a web service's
framework would, then listens on 127.0.0.1:PORT, answers one connection
with "ok\\n" and exits.
"""
import argparse
import asyncio
import base64
import bz2
import calendar
import concurrent.futures
import configparser
import csv
import ctypes
import dataclasses
import decimal
import difflib
import email.mime.multipart
import email.mime.text
import email.parser
import fractions
import ftplib
import gettext
import gzip
import hashlib
import html.parser
import http.client
import http.cookies
import http.server
import imaplib
import ipaddress
import json
import logging.handlers
import lzma
import multiprocessing
import pickle
import platform
import secrets
import shelve
import smtplib
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tarfile
import textwrap
import typing
import unittest
import urllib.request
import uuid
import xml.dom.minidom
import xml.etree.ElementTree
import xmlrpc.client
import zipfile


def main():
    port = int(sys.argv[1])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    c, _ = s.accept()
    c.sendall(b"ok\n")
    c.close()
    s.close()


if __name__ == "__main__":
    main()
